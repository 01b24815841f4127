#include "lab/runner/dataplane_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cpn::lab {
namespace {

namespace dv1 = cpn::dataplane::v1;
namespace tv1 = cpn::telemetry::v1;

absl::Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

}  // namespace

DataplaneClient::DataplaneClient(const std::string& address)
    : address_(address),
      stub_(dv1::DataplaneService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

absl::StatusOr<dv1::PortStatus> DataplaneClient::SetPortEmulation(
    uint32_t port_id, const dv1::LinkEmulation& emulation, absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  ctx.set_wait_for_ready(true);
  dv1::SetPortEmulationRequest req;
  req.set_port_id(port_id);
  *req.mutable_emulation() = emulation;
  dv1::SetPortEmulationResponse resp;
  if (absl::Status s = FromGrpc(stub_->SetPortEmulation(&ctx, req, &resp),
                                absl::StrCat("SetPortEmulation on ", address_, " port ", port_id));
      !s.ok())
    return s;
  return resp.status();
}

absl::StatusOr<std::vector<dv1::Port>> DataplaneClient::ReadPorts() {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  dv1::ReadRequest req;
  req.add_entity_types(dv1::ENTITY_TYPE_PORT);
  std::unique_ptr<grpc::ClientReader<dv1::ReadResponse>> reader = stub_->Read(&ctx, req);
  std::vector<dv1::Port> out;
  dv1::ReadResponse chunk;
  while (reader->Read(&chunk)) {
    for (const dv1::Entity& e : chunk.entities())
      if (e.has_port()) out.push_back(e.port());
  }
  if (absl::Status s = FromGrpc(reader->Finish(), absl::StrCat("Read on ", address_)); !s.ok())
    return s;
  return out;
}

absl::StatusOr<tv1::CountersSnapshot> DataplaneClient::Counters() {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  std::unique_ptr<grpc::ClientReader<tv1::CountersSnapshot>> reader =
      stub_->StreamCounters(&ctx, dv1::CountersRequest());
  tv1::CountersSnapshot snapshot;
  const bool got = reader->Read(&snapshot);  // the first is sent at once
  ctx.TryCancel();
  const grpc::Status s = reader->Finish();
  if (got) return snapshot;
  return FromGrpc(s.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot") : s,
                  absl::StrCat("StreamCounters on ", address_));
}

uint64_t DropCount(const tv1::CountersSnapshot& snapshot, tv1::DropReason reason) {
  uint64_t n = 0;
  for (const tv1::DropCounter& d : snapshot.drops())
    if (d.reason() == reason) n += d.packets();
  return n;
}

}  // namespace cpn::lab
