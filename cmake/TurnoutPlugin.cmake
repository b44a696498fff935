# turnout_add_plugin(NAME SOURCES...): builds NAME.so, a Turnout plugin.
# Hidden visibility (only the entry point is exported), no "lib" prefix, the
# SDK's include paths, C++20. In the Turnout tree, plugins land in
# build/plugins/ (or TURNOUT_PLUGIN_OUTPUT_DIR when set before the call).
function(turnout_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE Turnout::sdk)
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # GCC marks some template statics "unique", which makes glibc refuse to
  # unload the library: the daemon could then never truly unload a plugin.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${name} PRIVATE -fno-gnu-unique)
  endif()
  if(TURNOUT_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${TURNOUT_PLUGIN_OUTPUT_DIR})
  endif()
endfunction()
