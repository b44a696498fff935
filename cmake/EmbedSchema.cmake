# Compiles the numbered migrations in schema/ into the daemon, so a binary
# always carries exactly the schema it was built for.
file(GLOB TURNOUT_MIGRATIONS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/schema/[0-9][0-9][0-9][0-9]_*.sql)
list(SORT TURNOUT_MIGRATIONS)
# A CMake list would split into separate shell words; pass it joined by '|'.
list(JOIN TURNOUT_MIGRATIONS "|" TURNOUT_MIGRATIONS_ARG)
set(TURNOUT_SCHEMA_CPP ${CMAKE_BINARY_DIR}/generated/schema_migrations.cpp)
add_custom_command(
  OUTPUT ${TURNOUT_SCHEMA_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${TURNOUT_SCHEMA_CPP} "-DFILES=${TURNOUT_MIGRATIONS_ARG}"
          -P ${PROJECT_SOURCE_DIR}/cmake/WriteSchema.cmake
  DEPENDS ${TURNOUT_MIGRATIONS} ${PROJECT_SOURCE_DIR}/cmake/WriteSchema.cmake
  COMMENT "Embedding schema migrations"
  VERBATIM)

# turnout_embed_text(OUT_VAR INPUT NAMESPACE FUNCTION): compiles a text file
# into a function returning it, e.g. the OpenAPI document.
function(turnout_embed_text out_var input namespace function)
  get_filename_component(name ${input} NAME)
  set(out ${CMAKE_BINARY_DIR}/generated/embedded_${name}.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${input} -DOUT=${out} -DNAMESPACE=${namespace} -DFUNCTION=${function}
            -P ${PROJECT_SOURCE_DIR}/cmake/WriteText.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/WriteText.cmake
    COMMENT "Embedding ${name}"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
