// Checks the CPN protos follow the API conventions of docs/api.md: package
// per folder, naming, *_UNSPECIFIED = 0 enums, <Rpc>Request/<Rpc>Response
// messages, and — in the controller, dataplane and telemetry areas — a
// comment on every element. Reads a descriptor set built by protoc with
// source info (generated descriptors carry no comments).
#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::SourceLocation;

// Areas whose every element must carry a comment. (common, topology and
// compute predate this rule and are not checked for comments.)
const std::set<std::string> kFullyCommentedAreas = {"controller", "dataplane", "lab", "telemetry"};

// RPCs whose request or response type is not <Rpc>Request/<Rpc>Response, by
// design (the type is shared with another API).
const std::set<std::string> kRequestResponseNameExceptions = {
    "cpn.controller.v1.ControllerService.ReportMetrics:request",
    "cpn.dataplane.v1.DataplaneService.StreamCounters:request",
    "cpn.dataplane.v1.DataplaneService.StreamCounters:response",
};

class ProtoStyle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ifstream in(CPN_PROTO_DESCRIPTOR_SET, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << CPN_PROTO_DESCRIPTOR_SET;
    google::protobuf::FileDescriptorSet set;
    ASSERT_TRUE(set.ParseFromIstream(&in));
    pool_ = new DescriptorPool();
    files_ = new std::vector<const FileDescriptor*>();
    for (const auto& proto : set.file()) {  // Dependencies come first.
      const FileDescriptor* file = pool_->BuildFile(proto);
      ASSERT_NE(file, nullptr) << proto.name();
      if (absl::StartsWith(file->name(), "cpn/")) files_->push_back(file);
    }
    ASSERT_FALSE(files_->empty());
  }

  static std::string Area(const FileDescriptor& file) {
    std::vector<std::string> parts = absl::StrSplit(file.name(), '/');
    return parts.size() > 1 ? parts[1] : "";
  }

  // Calls `fn` for every message, nested ones included, skipping map entries.
  static void ForEachMessage(const Descriptor& m,
                             const std::function<void(const Descriptor&)>& fn) {
    if (m.options().map_entry()) return;
    fn(m);
    for (int i = 0; i < m.nested_type_count(); ++i) ForEachMessage(*m.nested_type(i), fn);
  }
  static void ForEachMessage(const FileDescriptor& f,
                             const std::function<void(const Descriptor&)>& fn) {
    for (int i = 0; i < f.message_type_count(); ++i) ForEachMessage(*f.message_type(i), fn);
  }
  static void ForEachEnum(const FileDescriptor& f,
                          const std::function<void(const EnumDescriptor&)>& fn) {
    for (int i = 0; i < f.enum_type_count(); ++i) fn(*f.enum_type(i));
    ForEachMessage(f, [&](const Descriptor& m) {
      for (int i = 0; i < m.enum_type_count(); ++i) fn(*m.enum_type(i));
    });
  }

  static DescriptorPool* pool_;
  static std::vector<const FileDescriptor*>* files_;
};

DescriptorPool* ProtoStyle::pool_ = nullptr;
std::vector<const FileDescriptor*>* ProtoStyle::files_ = nullptr;

bool IsPascalCase(std::string_view s) {
  return !s.empty() && absl::ascii_isupper(s[0]) &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isalnum(c); });
}

bool IsLowerSnakeCase(std::string_view s) {
  return !s.empty() && absl::ascii_islower(s[0]) && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

bool IsUpperSnakeCase(std::string_view s) {
  return !s.empty() && absl::ascii_isupper(s[0]) && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

// "AdminState" -> "ADMIN_STATE".
std::string UpperSnake(std::string_view pascal) {
  std::string out;
  for (size_t i = 0; i < pascal.size(); ++i) {
    const char c = pascal[i];
    if (i > 0 && absl::ascii_isupper(c) &&
        (absl::ascii_islower(pascal[i - 1]) || absl::ascii_isdigit(pascal[i - 1]))) {
      out += '_';
    }
    out += absl::ascii_toupper(c);
  }
  return out;
}

template <typename D>
bool HasComment(const D& d) {
  SourceLocation loc;
  if (!d.GetSourceLocation(&loc)) return false;
  return !absl::StripAsciiWhitespace(loc.leading_comments).empty() ||
         !absl::StripAsciiWhitespace(loc.trailing_comments).empty();
}

TEST_F(ProtoStyle, UpperSnakeHelper) {
  EXPECT_EQ(UpperSnake("AdminState"), "ADMIN_STATE");
  EXPECT_EQ(UpperSnake("WhatIfHorizon"), "WHAT_IF_HORIZON");
  EXPECT_EQ(UpperSnake("Srv6Thing"), "SRV6_THING");
}

TEST_F(ProtoStyle, PackageMatchesFolder) {
  for (const FileDescriptor* f : *files_) {
    std::vector<std::string> parts = absl::StrSplit(f->name(), '/');
    ASSERT_EQ(parts.size(), 4u) << f->name() << ": expected cpn/<area>/v1/<file>.proto";
    EXPECT_EQ(f->package(), absl::StrCat("cpn.", parts[1], ".", parts[2])) << f->name();
    EXPECT_EQ(parts[2], "v1") << f->name();
    EXPECT_EQ(f->syntax(), FileDescriptor::SYNTAX_PROTO3) << f->name();
  }
}

TEST_F(ProtoStyle, EnumsStartWithUnspecifiedAndPrefixTheirValues) {
  for (const FileDescriptor* f : *files_) {
    ForEachEnum(*f, [&](const EnumDescriptor& e) {
      EXPECT_TRUE(IsPascalCase(e.name())) << e.full_name();
      const std::string prefix = UpperSnake(e.name()) + "_";
      ASSERT_GT(e.value_count(), 0) << e.full_name();
      EXPECT_EQ(e.value(0)->number(), 0) << e.full_name() << ": first value must be 0";
      EXPECT_EQ(e.value(0)->name(), prefix + "UNSPECIFIED") << e.full_name();
      for (int i = 0; i < e.value_count(); ++i) {
        const std::string& name = e.value(i)->name();
        EXPECT_TRUE(absl::StartsWith(name, prefix) && IsUpperSnakeCase(name))
            << e.full_name() << "." << name << ": values are " << prefix << "UPPER_SNAKE";
      }
    });
  }
}

TEST_F(ProtoStyle, NamesFollowTheConventions) {
  for (const FileDescriptor* f : *files_) {
    ForEachMessage(*f, [&](const Descriptor& m) {
      EXPECT_TRUE(IsPascalCase(m.name())) << m.full_name();
      for (int i = 0; i < m.field_count(); ++i) {
        EXPECT_TRUE(IsLowerSnakeCase(m.field(i)->name())) << m.field(i)->full_name();
      }
      for (int i = 0; i < m.real_oneof_decl_count(); ++i) {
        EXPECT_TRUE(IsLowerSnakeCase(m.oneof_decl(i)->name())) << m.oneof_decl(i)->full_name();
      }
    });
    for (int i = 0; i < f->service_count(); ++i) {
      const ServiceDescriptor& s = *f->service(i);
      EXPECT_TRUE(absl::EndsWith(s.name(), "Service") && IsPascalCase(s.name())) << s.full_name();
      for (int j = 0; j < s.method_count(); ++j) {
        EXPECT_TRUE(IsPascalCase(s.method(j)->name())) << s.method(j)->full_name();
      }
    }
  }
}

TEST_F(ProtoStyle, RpcsHaveTheirOwnRequestAndResponseMessages) {
  for (const FileDescriptor* f : *files_) {
    for (int i = 0; i < f->service_count(); ++i) {
      const ServiceDescriptor& s = *f->service(i);
      for (int j = 0; j < s.method_count(); ++j) {
        const auto& m = *s.method(j);
        if (kRequestResponseNameExceptions.count(m.full_name() + ":request") == 0) {
          EXPECT_EQ(m.input_type()->name(), m.name() + "Request") << m.full_name();
        }
        if (kRequestResponseNameExceptions.count(m.full_name() + ":response") == 0) {
          EXPECT_EQ(m.output_type()->name(), m.name() + "Response") << m.full_name();
        }
      }
    }
  }
}

TEST_F(ProtoStyle, EveryElementIsCommented) {
  std::vector<std::string> missing;
  for (const FileDescriptor* f : *files_) {
    if (kFullyCommentedAreas.count(Area(*f)) == 0) continue;
    ForEachMessage(*f, [&](const Descriptor& m) {
      if (!HasComment(m)) missing.push_back(m.full_name());
      for (int i = 0; i < m.field_count(); ++i) {
        if (!HasComment(*m.field(i))) missing.push_back(m.field(i)->full_name());
      }
      for (int i = 0; i < m.real_oneof_decl_count(); ++i) {
        if (!HasComment(*m.oneof_decl(i))) missing.push_back(m.oneof_decl(i)->full_name());
      }
    });
    ForEachEnum(*f, [&](const EnumDescriptor& e) {
      if (!HasComment(e)) missing.push_back(e.full_name());
      for (int i = 0; i < e.value_count(); ++i) {
        if (!HasComment(*e.value(i))) missing.push_back(e.full_name() + "." + e.value(i)->name());
      }
    });
    for (int i = 0; i < f->service_count(); ++i) {
      const ServiceDescriptor& s = *f->service(i);
      if (!HasComment(s)) missing.push_back(s.full_name());
      for (int j = 0; j < s.method_count(); ++j) {
        if (!HasComment(*s.method(j))) missing.push_back(s.method(j)->full_name());
      }
    }
  }
  EXPECT_TRUE(missing.empty()) << "elements without a comment:\n  "
                               << absl::StrJoin(missing, "\n  ");
}

}  // namespace
