// Test helper: one HTTP/1.1 GET to 127.0.0.1 (Boost.Beast, blocking).
#ifndef CPN_TESTS_COMMON_TELEMETRY_HTTP_GET_H_
#define CPN_TESTS_COMMON_TELEMETRY_HTTP_GET_H_

#include <string>

namespace cpn::telemetry::testing {

struct HttpResponse {
  int status = 0;  // 0: could not connect or read an answer (see body)
  std::string content_type;
  std::string body;
};

HttpResponse HttpGet(int port, const std::string& target);

}  // namespace cpn::telemetry::testing

#endif  // CPN_TESTS_COMMON_TELEMETRY_HTTP_GET_H_
