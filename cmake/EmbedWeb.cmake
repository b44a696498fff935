# turnout_embed_web(OUT_VAR DIR): compiles every file under DIR (the UI's
# static files, host/web) into a C++ table of {path, content type, bytes,
# strong ETag}, so the daemon serves its whole UI from one self-contained
# binary. Adding or removing a file re-runs CMake (CONFIGURE_DEPENDS).
function(turnout_embed_web out_var dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS RELATIVE ${dir} ${dir}/*)
  list(FILTER files EXCLUDE REGEX "(^|/)\\.")  # editor droppings, .gitkeep
  list(SORT files)
  list(JOIN files "|" files_arg)
  set(deps "")
  foreach(f IN LISTS files)
    list(APPEND deps ${dir}/${f})
  endforeach()
  set(out ${CMAKE_BINARY_DIR}/generated/embedded_web.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${dir} "-DFILES=${files_arg}" -DOUT=${out}
            -P ${PROJECT_SOURCE_DIR}/cmake/WriteWeb.cmake
    DEPENDS ${deps} ${PROJECT_SOURCE_DIR}/cmake/WriteWeb.cmake
    COMMENT "Embedding the web UI"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
