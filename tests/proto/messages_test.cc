// Behaviour the API documents about its messages: invariants stated in the
// proto comments, the Write error details format, and the JSON-lines event
// log format. Also compiles every generated gRPC header under strict
// warnings.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "cpn/controller/v1/controller.grpc.pb.h"
#include "cpn/dataplane/v1/dataplane.grpc.pb.h"
#include "cpn/telemetry/v1/telemetry.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace {

namespace cv1 = ::cpn::controller::v1;
namespace dv1 = ::cpn::dataplane::v1;
namespace tv1 = ::cpn::telemetry::v1;
using google::protobuf::FieldDescriptor;

// entities.proto: "Field numbers equal the EntityType values."
TEST(ProtoMessages, EntityOneofFieldNumbersEqualEntityTypeValues) {
  const auto* types = dv1::EntityType_descriptor();
  const auto* entity = dv1::Entity::descriptor();
  int kinds = 0;
  for (int i = 0; i < types->value_count(); ++i) {
    const auto* value = types->value(i);
    if (value->number() == 0) continue;
    ++kinds;
    const auto* field = entity->FindFieldByNumber(value->number());
    ASSERT_NE(field, nullptr) << value->name();
    std::string expected(absl::StripPrefix(value->name(), "ENTITY_TYPE_"));
    absl::AsciiStrToLower(&expected);
    EXPECT_EQ(field->name(), expected) << value->name();
  }
  EXPECT_EQ(kinds, entity->field_count());
}

// dataplane.proto: RpcStatus is wire-identical to google.rpc.Status.
TEST(ProtoMessages, RpcStatusHasTheShapeOfGoogleRpcStatus) {
  const auto* d = dv1::RpcStatus::descriptor();
  ASSERT_EQ(d->field_count(), 3);
  EXPECT_EQ(d->FindFieldByNumber(1)->type(), FieldDescriptor::TYPE_INT32);
  EXPECT_EQ(d->FindFieldByNumber(2)->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_EQ(d->FindFieldByNumber(3)->message_type()->full_name(), "google.protobuf.Any");
  EXPECT_TRUE(d->FindFieldByNumber(3)->is_repeated());
}

// A failed Write's status details round-trip: RpcStatus { WriteError }.
TEST(ProtoMessages, WriteErrorTravelsInStatusDetails) {
  dv1::WriteError error;
  error.set_installed_version(41);
  auto* bad = error.add_errors();
  bad->set_index(2);
  bad->set_code(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  bad->set_message("segments[0]: not an IPv6 address: \"fcbb::zz\"");
  bad->set_entity_type(dv1::ENTITY_TYPE_SRV6_POLICY);
  bad->set_entity_key("7");

  dv1::RpcStatus details;
  details.set_code(bad->code());
  details.set_message("update 2 (srv6_policy 7): " + bad->message());
  details.add_details()->PackFrom(error);
  const grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, details.message(),
                            details.SerializeAsString());

  dv1::RpcStatus parsed;
  ASSERT_TRUE(parsed.ParseFromString(status.error_details()));
  ASSERT_EQ(parsed.details_size(), 1);
  dv1::WriteError unpacked;
  ASSERT_TRUE(parsed.details(0).UnpackTo(&unpacked));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(unpacked, error));
}

// telemetry.proto: one EventRecord per line, JSON with the .proto names.
TEST(ProtoMessages, EventRecordIsOneJsonLineWithProtoFieldNames) {
  tv1::EventRecord record;
  record.mutable_timestamp()->set_seconds(1700000000);
  record.set_sequence(12);
  record.set_controller_id("ctl-a");
  auto* event = record.mutable_decision_change();
  event->mutable_change()->set_cause(cv1::CHANGE_CAUSE_SITE_METRICS);
  event->mutable_change()->set_detail("site qingyang utilisation 0.62 -> 0.91");
  auto* delta = event->mutable_change()->add_deltas();
  delta->set_site_id("qingyang");
  delta->set_metric(cv1::DRIVER_METRIC_SITE_UTILIZATION);
  delta->set_old_value(0.62);
  delta->set_new_value(0.91);
  auto* weight = event->add_weight_changes();
  weight->set_site_id("qingyang");
  weight->set_path_id("p1");
  weight->set_old_weight(0.6);
  weight->set_new_weight(0.4);
  event->mutable_decision()->set_ingress_router_id("shanghai");
  event->mutable_decision()->set_service_id("llm-inference");

  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string line;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(record, &line, options).ok());
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"decision_change\"")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"ingress_router_id\":\"shanghai\"")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"cause\":\"CHANGE_CAUSE_SITE_METRICS\"")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"old_weight\":0.6")) << line;

  tv1::EventRecord back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, record));
}

const google::protobuf::ServiceDescriptor* FindService(const char* full_name) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(full_name);
  EXPECT_NE(service, nullptr) << full_name;
  return service;
}

// The services exist with the RPCs other components build on.
TEST(ProtoMessages, ServicesDeclareTheirRpcs) {
  const auto* controller = FindService(cv1::ControllerService::service_full_name());
  ASSERT_NE(controller, nullptr);
  for (const char* rpc :
       {"CreateRouter", "UpdateLink", "ImportTopology", "ReportMetrics", "SetDemand",
        "ListDecisions", "ExplainDecision", "WatchDecisions", "WhatIf", "GetStatus"}) {
    EXPECT_NE(controller->FindMethodByName(rpc), nullptr) << rpc;
  }
  const auto* report = controller->FindMethodByName("ReportMetrics");
  EXPECT_TRUE(report->client_streaming() && report->server_streaming());
  const auto* dataplane = FindService(dv1::DataplaneService::service_full_name());
  ASSERT_NE(dataplane, nullptr);
  const auto* channel = dataplane->FindMethodByName("StreamChannel");
  ASSERT_NE(channel, nullptr);
  EXPECT_TRUE(channel->client_streaming() && channel->server_streaming());
  const auto* telemetry = FindService(tv1::TelemetryService::service_full_name());
  ASSERT_NE(telemetry, nullptr);
  EXPECT_NE(telemetry->FindMethodByName("Subscribe"), nullptr);
}

}  // namespace
