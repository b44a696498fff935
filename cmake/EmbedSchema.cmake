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
