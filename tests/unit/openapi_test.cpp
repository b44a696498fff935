// The OpenAPI document served at /api/v1/openapi.json against the router.
#include <catch2/catch.hpp>
