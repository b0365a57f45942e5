{
  "targets": [
    {
      "target_name": "tracemalloc",
      "sources": [
        "native/addon.cc",
        "native/sampler.cc",
        "native/profile_table.cc",
        "native/heap_watch.cc",
        "native/heap_census.cc",
        "native/peak_capture.cc",
        "native/dump_writer.cc",
        "native/top_text.cc",
        "native/heap_limit_dump.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type", "-ffp-contract=off"],
      "cflags": ["-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LIBRARY": "libc++",
        "MACOSX_DEPLOYMENT_TARGET": "11.0",
        "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"],
        "WARNING_CFLAGS": ["-Wall", "-Wextra"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1 }
      }
    }
  ]
}
