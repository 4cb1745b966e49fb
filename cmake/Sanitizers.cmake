# Sanitizer and fuzzing builds, both off by default; each goes into its own
# build directory (scripts/sanitize.sh: build-asan, scripts/fuzz.sh:
# build-fuzz) because every object file is compiled differently.
#
# ACTORS_SANITIZE=address,undefined  the whole project with those sanitizers.
#   UBSan stays recoverable so that its suppression file works; run with
#   UBSAN_OPTIONS=halt_on_error=1 (scripts/sanitize.sh does) to make every
#   unsuppressed report fatal. ASan reports always are.
# ACTORS_FUZZ=ON  clang only: the project instrumented for libFuzzer with
#   ASan and UBSan, plus the fuzz_<name> targets of tests/fuzz.
set(ACTORS_SANITIZE "" CACHE STRING
    "Sanitizers for every target (-fsanitize=...), e.g. address,undefined")
option(ACTORS_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(ACTORS_SANITIZE)
  add_compile_options(-fsanitize=${ACTORS_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${ACTORS_SANITIZE})
endif()

if(ACTORS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ACTORS_FUZZ needs clang (libFuzzer), e.g. "
                        "CXX=clang++ cmake -DACTORS_FUZZ=ON ...; found "
                        "${CMAKE_CXX_COMPILER_ID}")
  endif()
  # fuzzer-no-link: coverage feedback in every object; only the fuzz
  # binaries link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
