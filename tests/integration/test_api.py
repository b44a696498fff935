"""The REST API through the real daemon on loopback."""
import unittest

if __name__ == "__main__":
    unittest.main()
