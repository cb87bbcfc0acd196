#include "libcluster/mi/error.h"

namespace lc::mi {

MiError parse_error() { return MiError{kParseError, "Parse error", std::nullopt}; }

MiError invalid_request() { return MiError{kInvalidRequest, "Invalid Request", std::nullopt}; }

MiError method_not_found() { return MiError{kMethodNotFound, "Method not found", std::nullopt}; }

MiError invalid_params(std::string data) {
  return MiError{kInvalidParams, "Invalid params", std::move(data)};
}

MiError bad_param_type(std::string_view name) {
  return invalid_params("Bad type for parameter '" + std::string(name) + "'");
}

MiError bad_array_item(std::string_view name) {
  return invalid_params("Bad type for array item in parameter '" + std::string(name) + "'");
}

MiError server_error(std::string data) {
  return MiError{kServerError, "Server error", std::move(data)};
}

MiError app_error(int code, std::string message) {
  return MiError{code, std::move(message), std::nullopt};
}

MiError bad_value(std::string_view name) {
  return app_error(400, "Bad value for '" + std::string(name) + "'");
}

Result ok() { return Json("OK"); }

std::string to_text(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace lc::mi
