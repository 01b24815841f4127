// The controller's JSON-lines event log: each line parses back to the
// record appended, files rotate by size keeping N, a full queue drops and
// leaves a sequence gap, bad options are refused.
#include "controller/telemetry/event_log.h"

#include "controller/telemetry/event_recorder.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cpn::controller_telemetry {
namespace {

namespace tv1 = cpn::telemetry::v1;
namespace fs = std::filesystem;

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("cpn-eventlog-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Lines(const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  static tv1::EventRecord ModelChange(const std::string& detail) {
    tv1::EventRecord r;
    r.mutable_model_change()->set_rpc("UpdateLink");
    r.mutable_model_change()->set_entity("link shanghai--beijing");
    r.mutable_model_change()->set_detail(detail);
    return r;
  }

  fs::path dir_;
};

TEST_F(EventLogTest, EachLineIsOneRecordInProtobufJson) {
  EventLogOptions o;
  o.path = (dir_ / "events.jsonl").string();
  auto log = EventLog::Open(o);
  ASSERT_TRUE(log.ok()) << log.status();
  EventRecorder recorder("ctl-a", log->get());
  recorder.Record(ModelChange("admin_state: UP -> DOWN"));
  tv1::EventRecord decision;
  decision.mutable_decision_change()->mutable_decision()->set_ingress_router_id("shanghai");
  decision.mutable_timestamp()->set_seconds(1700000000);
  recorder.Record(decision);
  (*log)->Flush();
  EXPECT_EQ((*log)->written(), 2u);

  const std::vector<std::string> lines = Lines(o.path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"model_change\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"controller_id\":\"ctl-a\""), std::string::npos) << lines[0];
  tv1::EventRecord back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[1], &back).ok()) << lines[1];
  EXPECT_EQ(back.sequence(), 2u);
  EXPECT_EQ(back.timestamp().seconds(), 1700000000);
  EXPECT_EQ(back.decision_change().decision().ingress_router_id(), "shanghai");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[0], &back).ok());
  EXPECT_EQ(back.sequence(), 1u);
  EXPECT_GT(back.timestamp().seconds(), 0);  // stamped by the recorder

  // Reopening appends.
  log->reset();
  auto again = EventLog::Open(o);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Append(ModelChange("x")));
  (*again)->Flush();
  EXPECT_EQ(Lines(o.path).size(), 3u);
}

TEST_F(EventLogTest, RotatesBySizeAndKeepsNFiles) {
  EventLogOptions o;
  o.path = (dir_ / "events.jsonl").string();
  o.max_file_bytes = 4096;
  o.keep_files = 3;
  auto log = EventLog::Open(o);
  ASSERT_TRUE(log.ok());
  EventRecorder recorder("ctl", log->get());
  const std::string padding(200, 'x');
  for (int i = 0; i < 200; ++i) recorder.Record(ModelChange(padding));
  (*log)->Flush();
  EXPECT_EQ((*log)->written(), 200u);
  EXPECT_EQ((*log)->write_errors(), 0u);
  EXPECT_TRUE(fs::exists(o.path));
  EXPECT_TRUE(fs::exists(o.path + ".1"));
  EXPECT_TRUE(fs::exists(o.path + ".2"));
  EXPECT_FALSE(fs::exists(o.path + ".3"));
  for (const std::string& f : {o.path, o.path + ".1", o.path + ".2"}) {
    EXPECT_LE(fs::file_size(f), 4096u) << f;
  }
  // The newest records are in the current file, in order, the older ones in .1.
  const std::vector<std::string> current = Lines(o.path);
  const std::vector<std::string> older = Lines(o.path + ".1");
  ASSERT_FALSE(current.empty());
  ASSERT_FALSE(older.empty());
  tv1::EventRecord last_old, first_new, last_new;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(older.back(), &last_old).ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(current.front(), &first_new).ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(current.back(), &last_new).ok());
  EXPECT_EQ(first_new.sequence(), last_old.sequence() + 1);
  EXPECT_EQ(last_new.sequence(), 200u);
}

TEST_F(EventLogTest, AFullQueueDropsCountsAndLeavesASequenceGap) {
  EventLogOptions o;
  o.path = (dir_ / "events.jsonl").string();
  o.max_queued = 1;
  auto log = EventLog::Open(o);
  ASSERT_TRUE(log.ok());
  EventRecorder recorder("ctl", log->get());
  for (int i = 0; i < 5000; ++i) recorder.Record(ModelChange("burst"));
  (*log)->Flush();
  EXPECT_EQ(recorder.recorded(), 5000u);
  EXPECT_EQ((*log)->written() + (*log)->dropped(), 5000u);
  EXPECT_GT((*log)->dropped(), 0u);  // 5000 records outrun one writer with a queue of 1
  const std::vector<std::string> lines = Lines(o.path);
  tv1::EventRecord last;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines.back(), &last).ok());
  EXPECT_LE(lines.size(), last.sequence());  // gaps show the loss
}

TEST_F(EventLogTest, BadOptionsAndUnwritablePathsAreRefused) {
  EventLogOptions o;
  EXPECT_EQ(EventLog::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.path = (dir_ / "e.jsonl").string();
  o.max_file_bytes = 10;
  EXPECT_EQ(EventLog::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.max_file_bytes = 1 << 20;
  o.keep_files = 0;
  EXPECT_EQ(EventLog::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.keep_files = 2;
  o.path = (dir_ / "no-such-dir" / "e.jsonl").string();
  const absl::Status s = EventLog::Open(o).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("no-such-dir"), std::string::npos);
}

// Subscribers get every record in order; a slow one loses the oldest and is
// told how many; Close ends them.
TEST(EventRecorderTest, FansOutToSubscribersWithBoundedQueues) {
  EventRecorder recorder("ctl", nullptr);
  auto fast = recorder.Subscribe(100);
  auto slow = recorder.Subscribe(2);
  for (int i = 0; i < 5; ++i) {
    tv1::EventRecord r;
    r.mutable_model_change()->set_detail(absl::StrCat(i));
    recorder.Record(r);
  }
  std::vector<tv1::EventRecord> got;
  uint64_t dropped = 0;
  ASSERT_EQ(fast->Next(absl::ZeroDuration(), &got, &dropped), EventSubscriber::WaitResult::kReady);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(dropped, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i].sequence(), static_cast<uint64_t>(i + 1));
  got.clear();
  ASSERT_EQ(slow->Next(absl::ZeroDuration(), &got, &dropped), EventSubscriber::WaitResult::kReady);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(dropped, 3u);
  EXPECT_EQ(got[0].sequence(), 4u);
  got.clear();
  EXPECT_EQ(fast->Next(absl::Milliseconds(1), &got, &dropped),
            EventSubscriber::WaitResult::kTimeout);
  recorder.Unsubscribe(slow.get());
  recorder.Close();
  EXPECT_EQ(fast->Next(absl::Seconds(5), &got, &dropped), EventSubscriber::WaitResult::kClosed);
}

}  // namespace
}  // namespace cpn::controller_telemetry
