#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "security/secrets.hpp"

int main(int argc, char* argv[]) {
  turnout::security::init();
  return Catch::Session().run(argc, argv);
}
