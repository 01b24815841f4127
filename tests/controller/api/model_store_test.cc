// ModelStore: atomic, validated changes; a failed change leaves the
// snapshot untouched; generations, validate-only, listeners.
#include "controller/api/model_store.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace tv1 = cpn::topology::v1;
using ::testing::HasSubstr;

TEST(ModelStoreTest, PublishesValidChangesAndOrdersById) {
  auto store = *ModelStore::Create(TestTopology());
  std::shared_ptr<const ModelSnapshot> first = store->Current();
  EXPECT_EQ(first->generation, 0u);
  EXPECT_EQ(first->topology().routers(0).id(), "core");  // sorted
  std::vector<uint64_t> heard;
  store->AddListener([&](const ModelSnapshot& s) { heard.push_back(s.generation); });
  auto r = store->Mutate({}, [](tv1::Topology& t) {
    t.mutable_routers(0)->set_name("Core");
    return absl::OkStatus();
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->snapshot->generation, 1u);
  EXPECT_EQ(store->Current()->topology().routers(0).name(), "Core");
  EXPECT_THAT(heard, ::testing::ElementsAre(1u));
  // The old snapshot is untouched and still readable.
  EXPECT_EQ(first->topology().routers(0).name(), "");
}

TEST(ModelStoreTest, InvalidChangesLeaveTheSnapshot) {
  auto store = *ModelStore::Create(TestTopology());
  std::shared_ptr<const ModelSnapshot> before = store->Current();
  auto r = store->Mutate({}, [](tv1::Topology& t) {
    t.mutable_links(0)->mutable_b()->set_router_id("ghost");
    return absl::OkStatus();
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("\"ghost\""));
  EXPECT_EQ(store->Current(), before);
  r = store->Mutate({}, [](tv1::Topology&) { return absl::NotFoundError("nope"); });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->Current(), before);
}

TEST(ModelStoreTest, ValidateOnlyUnchangedAndGeneration) {
  auto store = *ModelStore::Create(TestTopology());
  ModelStore::MutateOptions o;
  o.validate_only = true;
  auto r = store->Mutate(o, [](tv1::Topology& t) {
    t.set_description("x");
    return absl::OkStatus();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->changed);
  EXPECT_NE(r->candidate, nullptr);
  EXPECT_EQ(store->Current()->generation, 0u);
  EXPECT_EQ(store->Current()->topology().description(), "");
  // No-op edits publish nothing.
  r = store->Mutate({}, [](tv1::Topology&) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(store->Current()->generation, 0u);
  ModelStore::MutateOptions expect;
  expect.expected_generation = 3;
  r = store->Mutate(expect, [](tv1::Topology&) { return absl::OkStatus(); });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ModelStoreTest, InvalidInitialTopology) {
  tv1::Topology t = TestTopology();
  t.mutable_links(0)->set_capacity_bps(0);
  EXPECT_EQ(ModelStore::Create(t).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cpn::api::testing
