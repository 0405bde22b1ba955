{
  "targets": [
    {
      "target_name": "hacore_native",
      "sources": ["native/hacore_native.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
