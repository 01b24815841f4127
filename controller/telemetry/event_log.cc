#include "controller/telemetry/event_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace cpn::controller_telemetry {

namespace tv1 = cpn::telemetry::v1;

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(EventLogOptions options) {
  if (options.path.empty()) return absl::InvalidArgumentError("event log: path is empty");
  if (options.max_file_bytes < 4096) {
    return absl::InvalidArgumentError("event log: max_file_bytes must be >= 4096");
  }
  if (options.keep_files < 1) return absl::InvalidArgumentError("event log: keep_files must be >= 1");
  if (options.max_queued < 1) return absl::InvalidArgumentError("event log: max_queued must be >= 1");
  std::unique_ptr<EventLog> log(new EventLog(std::move(options)));
  if (absl::Status s = log->OpenFile(); !s.ok()) return s;
  log->writer_ = std::thread([l = log.get()] { l->WriterLoop(); });
  return log;
}

EventLog::~EventLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status EventLog::OpenFile() {
  file_ = std::fopen(options_.path.c_str(), "a");
  if (file_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("event log ", options_.path, ": cannot open: ", std::strerror(errno)));
  }
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(options_.path, ec);
  file_bytes_ = ec ? 0 : size;
  return absl::OkStatus();
}

// PATH.(k-1) is deleted, PATH.i -> PATH.(i+1), PATH -> PATH.1, new PATH.
void EventLog::Rotate() {
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  const int keep = options_.keep_files;
  if (keep == 1) {
    std::filesystem::remove(options_.path, ec);
  } else {
    std::filesystem::remove(absl::StrCat(options_.path, ".", keep - 1), ec);
    for (int i = keep - 2; i >= 1; --i) {
      std::filesystem::rename(absl::StrCat(options_.path, ".", i),
                              absl::StrCat(options_.path, ".", i + 1), ec);
    }
    std::filesystem::rename(options_.path, absl::StrCat(options_.path, ".1"), ec);
  }
  (void)OpenFile();  // on failure file_ stays null and writes count as errors
}

bool EventLog::Append(tv1::EventRecord record) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queued) {
    ++dropped_;
    return false;
  }
  queue_.push_back(std::move(record));
  ++queued_total_;
  return true;
}

void EventLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_total_;
  std::pair<const uint64_t*, uint64_t> reached{&finished_, target};
  mu_.Await(absl::Condition(
      +[](std::pair<const uint64_t*, uint64_t>* r) { return *r->first >= r->second; }, &reached));
}

void EventLog::WriteOne(const tv1::EventRecord& record) {
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  std::string line;
  bool ok = google::protobuf::util::MessageToJsonString(record, &line, json).ok();
  line.push_back('\n');
  if (ok && file_ != nullptr && file_bytes_ > 0 && file_bytes_ + line.size() > options_.max_file_bytes) {
    Rotate();
  }
  ok = ok && file_ != nullptr && std::fwrite(line.data(), 1, line.size(), file_) == line.size();
  if (ok) file_bytes_ += line.size();
  absl::MutexLock lock(&mu_);
  ++(ok ? written_ : write_errors_);
}

void EventLog::WriterLoop() {
  std::deque<tv1::EventRecord> batch;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &EventLog::HasWork));
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    for (const tv1::EventRecord& r : batch) WriteOne(r);
    if (file_ != nullptr) std::fflush(file_);
    absl::MutexLock lock(&mu_);
    finished_ += batch.size();
    batch.clear();
  }
}

bool EventLog::HasWork() const { return !queue_.empty() || stopping_; }

uint64_t EventLog::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}
uint64_t EventLog::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}
uint64_t EventLog::write_errors() const {
  absl::MutexLock lock(&mu_);
  return write_errors_;
}

}  // namespace cpn::controller_telemetry
