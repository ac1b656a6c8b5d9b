# Builds mwan's addon: ICMP echo (icmp.c) for the health probes, sd_notify (notify.c) for systemd, in-process nft (nft.c, libnftables by dlopen): `node-gyp rebuild -C core/system/probes/native`.
{
  "targets": [
    {
      "target_name": "mwan_icmp",
      "sources": ["icmp.c", "notify.c", "nft.c"],
      "libraries": ["-ldl"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
