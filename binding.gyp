{
  "targets": [
    {
      "target_name": "mpts_native",
      "sources": ["native/src/addon.cc", "native/src/shm.cc", "native/src/futex.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wno-cast-function-type"],
      "conditions": [
        ["OS=='linux'", { "sources": ["native/src/platform-linux.cc"] }],
        ["OS!='linux'", { "sources": ["native/src/platform-other.cc"] }]
      ]
    }
  ]
}
