# Included by llama.cpp's own project() call (CMAKE_PROJECT_llama.cpp_INCLUDE, set by the
# Makefile when it compiles llama-cpp-python): compile only what the Python package loads.
#
# llama-cpp-python 0.3.36 forces LLAMA_BUILD_COMMON on (a cache variable set with FORCE, so
# -DLLAMA_BUILD_COMMON=OFF has no effect), which compiles and installs libllama-common, the
# C++ helpers of llama.cpp's command-line tools; nothing in llama_cpp loads it. A normal
# variable set here, in llama.cpp's directory scope, shadows that cache entry, and llama.cpp's
# option() keeps it (policy CMP0077). The tools, tests, examples and server are already off in
# a sub-project build; the multimodal library (mtmd) is turned off with -DLLAVA_BUILD=OFF.
set(LLAMA_BUILD_COMMON OFF)
