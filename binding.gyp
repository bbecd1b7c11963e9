{
  "targets": [
    {
      "target_name": "mpts_native",
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "conditions": [
        ["OS=='linux' or OS=='mac'", {
          "sources": ["native/src/addon.cc", "native/src/abi.cc", "native/src/shm.cc", "native/src/futex.cc", "native/src/platform-posix.cc"],
          "cflags_cc!": ["-std=gnu++17", "-std=c++17"],
          "cflags_cc": ["-std=c++20", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
          "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++20", "MACOSX_DEPLOYMENT_TARGET": "11.0" }
        }],
        ["OS=='linux'", { "sources": ["native/src/platform-linux.cc"] }],
        ["OS=='mac'", { "sources": ["native/src/platform-darwin.cc"] }],
        ["OS!='linux' and OS!='mac'", { "type": "none" }]
      ]
    }
  ]
}
