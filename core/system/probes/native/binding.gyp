# Builds mwan's addon: ICMP echo (icmp.c) for the health probes, sd_notify (notify.c) for systemd: `node-gyp rebuild -C core/system/probes/native`.
{
  "targets": [
    {
      "target_name": "mwan_icmp",
      "sources": ["icmp.c", "notify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
