// QR codes as SVG, drawn here with libqrencode: a sign-up link never goes
// to a third-party service to become a picture.
#pragma once

#include <string>
#include <string_view>

namespace turnout::http {

// An SVG image of `text` as a QR code (error correction M, a quiet zone of
// four modules), with `title` as its accessible name. Throws
// std::runtime_error when the text cannot be encoded (too long).
std::string qr_svg(std::string_view text, std::string_view title);

}  // namespace turnout::http
