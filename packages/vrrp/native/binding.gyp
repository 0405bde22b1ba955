{
  "targets": [
    {
      "target_name": "hacore_vrrp",
      "sources": ["hacore_vrrp.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
