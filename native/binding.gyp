{
  "targets": [{
    "target_name": "specnet_native",
    "sources": ["src/addon.cc", "src/dnnl_ops.cc", "src/loops.cc", "src/conv_few_channels.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/oneapi/dnnl", "/usr/include/kissfft"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-trapping-math", "-fno-math-errno", "-fopenmp", "-fexceptions", "-frtti"],
    "libraries": ["-ldnnl", "-lkissfft-float", "-lmvec", "-fopenmp"]
  }]
}
