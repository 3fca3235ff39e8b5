#include "base/status.h"

#include <gtest/gtest.h>

#include "base/function_ref.h"
#include "base/result.h"

namespace ferrite {
namespace {

TEST(StatusTest, OkCarriesNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeAndMessageAcrossCopies) {
  Status s = Status::IoError("disk full");
  Status copy = s;
  EXPECT_FALSE(copy.ok());
  EXPECT_EQ(copy.code(), StatusCode::kIoError);
  EXPECT_EQ(copy.ToString(), "IO error: disk full");
  EXPECT_TRUE(Status::Pending().IsPending());
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = 7;
  Result<int> bad = Status::NotFound("k");
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(*good, 7);
  EXPECT_FALSE(bad.has_value());
  EXPECT_TRUE(bad.error().IsNotFound());
  EXPECT_EQ(bad.value_or(3), 3);
}

TEST(FunctionRefTest, CallsThroughWithoutOwning) {
  int sum = 0;
  auto add = [&](int x) { sum += x; };
  FunctionRef<void(int)> ref = add;
  ref(2);
  ref(5);
  EXPECT_EQ(sum, 7);
}

}  // namespace
}  // namespace ferrite
