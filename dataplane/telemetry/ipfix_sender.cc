#include "dataplane/telemetry/ipfix_sender.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane::ipfix {

absl::StatusOr<std::unique_ptr<UdpSender>> UdpSender::Open(const std::string& collector) {
  const size_t colon = collector.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == collector.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("IPFIX collector \"", collector, "\": want HOST:PORT"));
  }
  std::string host = collector.substr(0, colon);
  const std::string port = collector.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("IPFIX collector \"", collector, "\": ", gai_strerror(rc)));
  }
  int fd = -1;
  std::string why = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    why = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("IPFIX collector \"", collector, "\": ", why));
  }
  return std::unique_ptr<UdpSender>(new UdpSender(fd));
}

UdpSender::~UdpSender() { close(fd_); }

absl::Status UdpSender::Send(std::span<const uint8_t> message) {
  const ssize_t n = send(fd_, message.data(), message.size(), MSG_DONTWAIT);
  if (n < 0) return absl::UnavailableError(absl::StrCat("IPFIX send: ", std::strerror(errno)));
  return absl::OkStatus();
}

}  // namespace cpn::dataplane::ipfix
