# Builds the ICMP echo addon (icmp.c) for mwan's health probes: `node-gyp rebuild -C core/system/probes/native`.
{
  "targets": [
    {
      "target_name": "mwan_icmp",
      "sources": ["icmp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
