// Unit tests of the API contract checker: the rendering of real descriptors,
// and that every kind of incompatible change made to a copy of the real API
// is reported (so the guard cannot pass silently).
#include "proto/tools/contract.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "proto/tools/compiled_files.h"

namespace cpn::proto_contract {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<const FileDescriptor*> RealFiles() {
  auto files = CompiledCpnFiles();
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *files : std::vector<const FileDescriptor*>{};
}

// A copy of the compiled-in API in a fresh pool, each CPN file passed through
// `mutate` (as a FileDescriptorProto) before it is built.
class ApiCopy {
 public:
  explicit ApiCopy(const std::function<void(FileDescriptorProto&)>& mutate) {
    for (const FileDescriptor* file : RealFiles()) {
      if (const FileDescriptor* copy = Add(*file, mutate)) files_.push_back(copy);
    }
  }

  std::vector<std::string> Render() const { return RenderContract(files_); }

 private:
  const FileDescriptor* Add(const FileDescriptor& file,
                            const std::function<void(FileDescriptorProto&)>& mutate) {
    if (const auto* built = pool_.FindFileByName(file.name())) return built;
    for (int i = 0; i < file.dependency_count(); ++i) Add(*file.dependency(i), mutate);
    FileDescriptorProto proto;
    file.CopyTo(&proto);
    if (absl::StartsWith(proto.name(), "cpn/")) mutate(proto);
    const FileDescriptor* built = pool_.BuildFile(proto);
    EXPECT_NE(built, nullptr) << "mutated " << proto.name() << " does not build";
    return built;
  }

  DescriptorPool pool_;
  std::vector<const FileDescriptor*> files_;
};

google::protobuf::DescriptorProto& FindMessage(FileDescriptorProto& file, std::string_view name) {
  for (auto& m : *file.mutable_message_type()) {
    if (m.name() == name) return m;
  }
  ADD_FAILURE() << "no message " << name << " in " << file.name();
  static google::protobuf::DescriptorProto none;
  return none;
}

FieldDescriptorProto& FindField(google::protobuf::DescriptorProto& message, std::string_view name) {
  for (auto& f : *message.mutable_field()) {
    if (f.name() == name) return f;
  }
  ADD_FAILURE() << "no field " << name << " in " << message.name();
  static FieldDescriptorProto none;
  return none;
}

// Applies `change` to message `message` of file `file_name` only.
std::function<void(FileDescriptorProto&)> InMessage(
    std::string file_name, std::string message,
    std::function<void(google::protobuf::DescriptorProto&)> change) {
  return [=](FileDescriptorProto& file) {
    if (file.name() == file_name) change(FindMessage(file, message));
  };
}

const char kTopology[] = "cpn/topology/v1/topology.proto";
const char kLinkCapacity[] = "cpn.topology.v1.Link.capacity_bps = 5 : uint64 optional";

std::vector<Violation> ViolationsOf(const std::function<void(FileDescriptorProto&)>& mutate) {
  const auto snapshot = RenderContract(RealFiles());
  return FindViolations(snapshot, ApiCopy(mutate).Render());
}

TEST(ProtoContractRender, RendersFieldsEnumValuesAndRpcs) {
  const auto lines = RenderContract(RealFiles());
  EXPECT_THAT(lines, Contains(kLinkCapacity));
  EXPECT_THAT(lines, Contains("message cpn.topology.v1.Link"));
  EXPECT_THAT(lines, Contains("cpn.topology.v1.Link.srlgs = 7 : uint32 repeated"));
  EXPECT_THAT(lines,
              Contains("cpn.topology.v1.Link.a = 2 : cpn.topology.v1.LinkEndpoint optional"));
  EXPECT_THAT(lines,
              Contains("cpn.topology.v1.Link.admin_state = 9 : cpn.common.v1.AdminState optional"));
  EXPECT_THAT(lines,
              Contains("cpn.compute.v1.ComputeMetrics.l2_score = 8 : double proto3_optional"));
  EXPECT_THAT(lines, Contains("enum cpn.common.v1.AdminState"));
  EXPECT_THAT(lines, Contains("enum cpn.common.v1.AdminState.ADMIN_STATE_UP = 1"));
  EXPECT_THAT(
      lines,
      Contains("cpn.dataplane.v1.Entity.port = 1 : cpn.dataplane.v1.Port optional oneof entity"));
  EXPECT_THAT(lines, Contains("message cpn.dataplane.v1.EndBehavior"));
  EXPECT_THAT(lines, Contains("service cpn.controller.v1.ControllerService"));
  EXPECT_THAT(lines, Contains("rpc cpn.controller.v1.ControllerService.ReportMetrics(stream "
                              "cpn.compute.v1.ComputeMetrics) returns (stream "
                              "cpn.controller.v1.ReportMetricsResponse)"));
  EXPECT_THAT(lines, Contains("rpc cpn.dataplane.v1.DataplaneService.Write(cpn.dataplane.v1."
                              "WriteRequest) returns (cpn.dataplane.v1.WriteResponse)"));
  EXPECT_THAT(lines, Contains("# file cpn/common/v1/types.proto (package cpn.common.v1)"));
}

TEST(ProtoContractRender, RendersMapsAndReservations) {
  FileDescriptorProto file;
  file.set_name("cpn/test/v1/t.proto");
  file.set_package("cpn.test.v1");
  file.set_syntax("proto3");
  auto* entry = file.add_message_type();
  entry->set_name("M");
  auto* map_entry = entry->add_nested_type();
  map_entry->set_name("LabelsEntry");
  map_entry->mutable_options()->set_map_entry(true);
  auto* key = map_entry->add_field();
  key->set_name("key");
  key->set_number(1);
  key->set_type(FieldDescriptorProto::TYPE_STRING);
  key->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  auto* value = map_entry->add_field();
  value->set_name("value");
  value->set_number(2);
  value->set_type(FieldDescriptorProto::TYPE_UINT32);
  value->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  auto* labels = entry->add_field();
  labels->set_name("labels");
  labels->set_number(1);
  labels->set_type(FieldDescriptorProto::TYPE_MESSAGE);
  labels->set_type_name(".cpn.test.v1.M.LabelsEntry");
  labels->set_label(FieldDescriptorProto::LABEL_REPEATED);
  auto* range = entry->add_reserved_range();
  range->set_start(2);
  range->set_end(5);  // Half-open: 2, 3, 4.
  entry->add_reserved_name("old");
  auto* e = file.add_enum_type();
  e->set_name("E");
  auto* zero = e->add_value();
  zero->set_name("E_UNSPECIFIED");
  zero->set_number(0);
  auto* erange = e->mutable_reserved_range()->Add();
  erange->set_start(3);
  erange->set_end(3);  // Inclusive.
  e->add_reserved_name("E_OLD");

  DescriptorPool pool;
  const FileDescriptor* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  EXPECT_THAT(RenderContract({built}),
              ElementsAre("# file cpn/test/v1/t.proto (package cpn.test.v1)", "enum cpn.test.v1.E",
                          "enum cpn.test.v1.E.E_UNSPECIFIED = 0", "reserved cpn.test.v1.E 3",
                          "reserved cpn.test.v1.E \"E_OLD\"", "message cpn.test.v1.M",
                          "cpn.test.v1.M.labels = 1 : map<string, uint32> repeated",
                          "reserved cpn.test.v1.M 2 to 4", "reserved cpn.test.v1.M \"old\""));
}

TEST(ProtoContractCheck, UnchangedCopyHolds) {
  const auto copy = ApiCopy([](FileDescriptorProto&) {}).Render();
  EXPECT_EQ(copy, RenderContract(RealFiles()));
  EXPECT_THAT(FindViolations(RenderContract(RealFiles()), copy), IsEmpty());
}

TEST(ProtoContractCheck, ReportsChangedFieldNumber) {
  const auto violations = ViolationsOf(
      InMessage(kTopology, "Link", [](auto& m) { FindField(m, "capacity_bps").set_number(15); }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line, kLinkCapacity);
  EXPECT_EQ(violations[0].current_line, "cpn.topology.v1.Link.capacity_bps = 15 : uint64 optional");
  EXPECT_THAT(violations[0].explanation, HasSubstr("changed"));
}

TEST(ProtoContractCheck, ReportsChangedFieldType) {
  const auto violations = ViolationsOf(InMessage(kTopology, "Link", [](auto& m) {
    FindField(m, "capacity_bps").set_type(FieldDescriptorProto::TYPE_UINT32);
  }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line, kLinkCapacity);
  EXPECT_EQ(violations[0].current_line, "cpn.topology.v1.Link.capacity_bps = 5 : uint32 optional");
}

TEST(ProtoContractCheck, ReportsChangedMessageTypeOfField) {
  const auto violations = ViolationsOf(InMessage(kTopology, "Link", [](auto& m) {
    FindField(m, "b").set_type_name(".cpn.common.v1.GeoLocation");
  }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line,
            "cpn.topology.v1.Link.b = 3 : cpn.topology.v1.LinkEndpoint optional");
}

TEST(ProtoContractCheck, ReportsChangedLabel) {
  const auto violations = ViolationsOf(InMessage(kTopology, "Link", [](auto& m) {
    FindField(m, "srlgs").set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line, "cpn.topology.v1.Link.srlgs = 7 : uint32 repeated");
}

TEST(ProtoContractCheck, ReportsFieldLeavingItsOneof) {
  const auto violations =
      ViolationsOf(InMessage("cpn/dataplane/v1/entities.proto", "Entity",
                             [](auto& m) { FindField(m, "steering_rule").clear_oneof_index(); }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_THAT(violations[0].snapshot_line, HasSubstr("oneof entity"));
  EXPECT_THAT(violations[0].current_line, Not(HasSubstr("oneof")));
}

TEST(ProtoContractCheck, ReportsChangedEnumValueNumber) {
  const auto violations = ViolationsOf([](FileDescriptorProto& file) {
    if (file.name() != "cpn/common/v1/types.proto") return;
    for (auto& e : *file.mutable_enum_type()) {
      for (auto& v : *e.mutable_value()) {
        if (v.name() == "ADMIN_STATE_DOWN") v.set_number(3);
      }
    }
  });
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line, "enum cpn.common.v1.AdminState.ADMIN_STATE_DOWN = 2");
  EXPECT_EQ(violations[0].current_line, "enum cpn.common.v1.AdminState.ADMIN_STATE_DOWN = 3");
}

TEST(ProtoContractCheck, ReportsChangedRpcStreaming) {
  const auto violations = ViolationsOf([](FileDescriptorProto& file) {
    for (auto& s : *file.mutable_service()) {
      for (auto& m : *s.mutable_method()) {
        if (m.name() == "WatchDecisions") m.set_server_streaming(false);
      }
    }
  });
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_THAT(violations[0].snapshot_line, HasSubstr("WatchDecisions("));
  EXPECT_THAT(violations[0].snapshot_line, HasSubstr("returns (stream "));
  EXPECT_THAT(violations[0].current_line, Not(HasSubstr("returns (stream ")));
}

TEST(ProtoContractCheck, ReportsRenamedField) {
  const auto violations = ViolationsOf(InMessage(kTopology, "Link", [](auto& m) {
    FindField(m, "capacity_bps").set_name("capacity_bits_per_second");
  }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line, kLinkCapacity);
  EXPECT_EQ(violations[0].current_line, "");
  EXPECT_THAT(violations[0].explanation, HasSubstr("reserved 5"));
}

void RemoveField(google::protobuf::DescriptorProto& m, std::string_view name) {
  auto* fields = m.mutable_field();
  for (int i = 0; i < fields->size(); ++i) {
    if (fields->Get(i).name() == name) {
      fields->DeleteSubrange(i, 1);
      return;
    }
  }
  ADD_FAILURE() << "no field " << name;
}

TEST(ProtoContractCheck, ReportsFieldRemovedWithoutReservation) {
  const auto violations =
      ViolationsOf(InMessage(kTopology, "Link", [](auto& m) { RemoveField(m, "capacity_bps"); }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
  EXPECT_EQ(violations[0].snapshot_line, kLinkCapacity);
  EXPECT_THAT(violations[0].explanation, HasSubstr("cpn.topology.v1.Link"));
}

TEST(ProtoContractCheck, ReportsFieldRemovedWithOnlyItsNumberReserved) {
  const auto violations = ViolationsOf(InMessage(kTopology, "Link", [](auto& m) {
    RemoveField(m, "capacity_bps");
    auto* r = m.add_reserved_range();
    r->set_start(5);
    r->set_end(6);
  }));
  ASSERT_EQ(violations.size(), 1u) << FormatViolations(violations);
}

TEST(ProtoContractCheck, AllowsFieldRemovedWithNumberAndNameReserved) {
  const auto violations = ViolationsOf(InMessage(kTopology, "Link", [](auto& m) {
    RemoveField(m, "capacity_bps");
    RemoveField(m, "igp_metric");  // Number 6: a reserved range may span both.
    auto* r = m.add_reserved_range();
    r->set_start(5);
    r->set_end(7);
    m.add_reserved_name("capacity_bps");
    m.add_reserved_name("igp_metric");
  }));
  EXPECT_THAT(violations, IsEmpty()) << FormatViolations(violations);
}

TEST(ProtoContractCheck, AllowsAddedFieldAndReportsItAsAddition) {
  const auto mutated = ApiCopy(InMessage(kTopology, "Link", [](auto& m) {
                         auto* f = m.add_field();
                         f->set_name("color");
                         f->set_number(100);
                         f->set_type(FieldDescriptorProto::TYPE_STRING);
                         f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
                       })).Render();
  const auto snapshot = RenderContract(RealFiles());
  EXPECT_THAT(FindViolations(snapshot, mutated), IsEmpty());
  EXPECT_THAT(FindAdditions(snapshot, mutated),
              ElementsAre("cpn.topology.v1.Link.color = 100 : string optional"));
}

TEST(ProtoContractCheck, ReportsRemovedMessageServiceAndRpcLines) {
  const std::vector<std::string> snapshot = {
      "message cpn.x.v1.Gone", "service cpn.x.v1.S",
      "rpc cpn.x.v1.S.Do(cpn.x.v1.DoRequest) returns (cpn.x.v1.DoResponse)",
      "reserved cpn.x.v1.M 7"};
  const auto violations = FindViolations(snapshot, {"service cpn.x.v1.S"});
  EXPECT_THAT(violations, ElementsAre(Field(&Violation::snapshot_line, "message cpn.x.v1.Gone"),
                                      Field(&Violation::snapshot_line, HasSubstr("S.Do(")),
                                      Field(&Violation::snapshot_line, "reserved cpn.x.v1.M 7")));
}

TEST(ProtoContractCheck, ReportsRemovedEnumValueUnlessReserved) {
  const std::vector<std::string> snapshot = {"enum cpn.x.v1.E", "enum cpn.x.v1.E.E_OLD = 3"};
  EXPECT_THAT(FindViolations(snapshot, {"enum cpn.x.v1.E"}),
              ElementsAre(Field(&Violation::explanation, HasSubstr("reserved \"E_OLD\""))));
  EXPECT_THAT(FindViolations(snapshot, {"enum cpn.x.v1.E", "reserved cpn.x.v1.E 2 to 4",
                                        "reserved cpn.x.v1.E \"E_OLD\""}),
              IsEmpty());
}

TEST(ProtoContractFile, FormatThenParseGivesTheLinesBack) {
  const auto lines = RenderContract(RealFiles());
  const std::string text = FormatContractFile(lines);
  std::vector<std::string> expected;
  for (const auto& line : lines) {
    if (!absl::StartsWith(line, "#")) expected.push_back(line);
  }
  EXPECT_EQ(ParseContractFile(text), expected);
  EXPECT_THAT(ParseContractFile("# comment\n\n  \nmessage a.B  \r\n"), ElementsAre("message a.B"));
}

TEST(ProtoContractFile, ViolationReportNamesLinesAndTheFix) {
  const std::string report = FormatViolations(
      {{kLinkCapacity, "cpn.topology.v1.Link.capacity_bps = 15 : uint64 optional", "changed"}});
  EXPECT_THAT(report, HasSubstr(std::string("snapshot: ") + kLinkCapacity));
  EXPECT_THAT(report, HasSubstr("now:      cpn.topology.v1.Link.capacity_bps = 15"));
  EXPECT_THAT(report, HasSubstr("scripts/update-proto-contract.sh"));
  EXPECT_EQ(FormatViolations({}), "");
}

}  // namespace
}  // namespace cpn::proto_contract
