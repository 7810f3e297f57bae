{
  "targets": [
    {
      "target_name": "dft_native",
      "sources": [
        "csrc/addon.cc",
        "csrc/args.cc",
        "csrc/parallel.cc",
        "csrc/gemm.cc",
        "csrc/elementwise.cc",
        "csrc/reduce.cc",
        "csrc/softmax.cc",
        "csrc/transpose.cc",
        "csrc/gather.cc",
        "csrc/copy.cc",
        "csrc/token-nll.cc",
        "csrc/head-nll.cc",
        "csrc/adamw.cc",
        "csrc/rms-norm.cc",
        "csrc/gated-act.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/build-flags.cjs include)"
      ],
      "libraries": ["<!@(node scripts/build-flags.cjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-pthread", "<!@(node scripts/build-flags.cjs cflags)"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"]
      }
    }
  ]
}
