# Helpers that register Ferrite's libraries, tests, benchmarks and fuzz targets in one line each.

set(FERRITE_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

if(FERRITE_SANITIZE)
  add_compile_options(-fsanitize=${FERRITE_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${FERRITE_SANITIZE})
  if(FERRITE_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

# ferrite_library(NAME SOURCES a.cc b.cc DEPS x y)
# One static library per layer folder; src/ is the include root.
function(ferrite_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/generated)
  target_compile_options(${name} PRIVATE ${FERRITE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  target_compile_definitions(${name} PUBLIC
    FERRITE_OTEL=$<BOOL:${FERRITE_WITH_OTEL}>
    FERRITE_IO_URING=$<BOOL:${FERRITE_WITH_IO_URING}>
    FERRITE_TLS=$<BOOL:${FERRITE_WITH_TLS}>)
endfunction()

# ferrite_test(NAME SOURCES a_test.cc DEPS lib LABELS unit)
function(ferrite_test name)
  if(NOT FERRITE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${FERRITE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 600)
endfunction()

# ferrite_bench(NAME SOURCES a_bench.cc DEPS lib)
function(ferrite_bench name)
  if(NOT FERRITE_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
endfunction()

# ferrite_fuzz(NAME SOURCES a_fuzz.cc DEPS lib CORPUS dir)
# Under clang with FERRITE_FUZZ it is a libFuzzer binary; otherwise it builds as a gtest that
# replays every file of the corpus, so the target never rots.
function(ferrite_fuzz name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(FERRITE_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  elseif(FERRITE_BUILD_TESTS)
    add_executable(${name}_replay ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/fuzz/corpus_replay_main.cc)
    target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS} GTest::gtest)
    add_test(NAME ${name}_replay COMMAND ${name}_replay ${ARG_CORPUS})
    set_tests_properties(${name}_replay PROPERTIES LABELS "unit;fuzz")
  endif()
endfunction()
