#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "security/secrets.hpp"

int main(int argc, char* argv[]) {
  turnout::security::init();
  spdlog::set_level(spdlog::level::off);  // the tests read results, not logs
  return Catch::Session().run(argc, argv);
}
