// Where IPFIX messages go: DatagramSender (an interface, so the exporter
// can be tested with a fake) and UdpSender, a connected UDP socket to the
// collector (RFC 7011 10: UDP transport, one message per datagram).
//
// THREADS: Send from one thread (the exporter's).
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_SENDER_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_SENDER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cpn::dataplane::ipfix {

class DatagramSender {
 public:
  virtual ~DatagramSender() = default;
  virtual absl::Status Send(std::span<const uint8_t> message) = 0;
};

class UdpSender final : public DatagramSender {
 public:
  // "HOST:PORT" or "[IPV6]:PORT"; HOST may be a name (resolved once).
  static absl::StatusOr<std::unique_ptr<UdpSender>> Open(const std::string& collector);
  ~UdpSender() override;
  absl::Status Send(std::span<const uint8_t> message) override;

 private:
  explicit UdpSender(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_SENDER_H_
