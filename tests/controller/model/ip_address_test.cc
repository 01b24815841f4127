#include "controller/model/ip_address.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::model {
namespace {

using ::testing::HasSubstr;

Ipv6Prefix P6(const char* text) {
  absl::StatusOr<Ipv6Prefix> p = Ipv6Prefix::Parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.value_or(Ipv6Prefix());
}

Ipv4Prefix P4(const char* text) {
  absl::StatusOr<Ipv4Prefix> p = Ipv4Prefix::Parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.value_or(Ipv4Prefix());
}

TEST(ModelIpv6AddressTest, ParsesAndPrintsCanonicalForm) {
  absl::StatusOr<Ipv6Address> a = Ipv6Address::Parse("2001:0DB8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ToString(), "2001:db8::1");
  EXPECT_EQ(a->bytes()[0], 0x20);
  EXPECT_EQ(a->bytes()[15], 0x01);
  EXPECT_EQ(Ipv6Address::Parse("::")->ToString(), "::");
}

TEST(ModelIpv6AddressTest, RejectsMalformedText) {
  for (const char* bad : {"", "2001:db8::g", "2001:db8::1/64", "1.2.3.4", "fe80::1%eth0",
                          "2001:db8:::1", " 2001:db8::1"}) {
    absl::StatusOr<Ipv6Address> a = Ipv6Address::Parse(bad);
    EXPECT_FALSE(a.ok()) << bad;
    EXPECT_THAT(std::string(a.status().message()), HasSubstr("is not an IPv6 address")) << bad;
  }
}

TEST(ModelIpv4AddressTest, ParsesDottedQuadOnly) {
  EXPECT_EQ(Ipv4Address::Parse("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_FALSE(Ipv4Address::Parse("192.0.2").ok());
  EXPECT_FALSE(Ipv4Address::Parse("192.0.2.256").ok());
  EXPECT_FALSE(Ipv4Address::Parse("::1").ok());
}

TEST(ModelIpv6PrefixTest, ParsesAndPrintsCanonicalForm) {
  const Ipv6Prefix p = P6("FCBB:BB00:0001:0000::/48");
  EXPECT_EQ(p.length(), 48);
  EXPECT_EQ(p.ToString(), "fcbb:bb00:1::/48");
  EXPECT_EQ(p.LastAddress().ToString(), "fcbb:bb00:1:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(P6("::/0").ToString(), "::/0");
  EXPECT_EQ(P6("2001:db8::1/128").ToString(), "2001:db8::1/128");
}

TEST(ModelIpv6PrefixTest, RejectsHostBitsAndNamesTheIntendedPrefix) {
  absl::StatusOr<Ipv6Prefix> p = Ipv6Prefix::Parse("fcbb:bb00:1::5/48");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("host bits"));
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("did you mean \"fcbb:bb00:1::/48\""));
}

TEST(ModelIpv6PrefixTest, RejectsBadLengths) {
  for (const char* bad : {"2001:db8::", "2001:db8::/", "2001:db8::/129", "2001:db8::/-1",
                          "2001:db8::/+4", "2001:db8::/ 4", "2001:db8::/4x", "2001:db8::/0048"}) {
    absl::StatusOr<Ipv6Prefix> p = Ipv6Prefix::Parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
  }
  EXPECT_THAT(std::string(Ipv6Prefix::Parse("2001:db8::").status().message()),
              HasSubstr("no prefix length"));
  EXPECT_THAT(std::string(Ipv6Prefix::Parse("2001:db8::/129").status().message()),
              HasSubstr("not a number in 0..128"));
}

TEST(ModelIpv6PrefixTest, ContainsAndOverlaps) {
  const Ipv6Prefix p48 = P6("fcbb:bb00:1::/48");
  const Ipv6Prefix p64 = P6("fcbb:bb00:1:2::/64");
  const Ipv6Prefix other = P6("fcbb:bb00:2::/48");
  EXPECT_TRUE(p48.Contains(p64));
  EXPECT_FALSE(p64.Contains(p48));
  EXPECT_TRUE(p48.Overlaps(p64));
  EXPECT_TRUE(p64.Overlaps(p48));
  EXPECT_TRUE(p48.Overlaps(p48));
  EXPECT_FALSE(p48.Overlaps(other));
  EXPECT_TRUE(p48.Contains(*Ipv6Address::Parse("fcbb:bb00:1:ffff::1")));
  EXPECT_FALSE(p48.Contains(*Ipv6Address::Parse("fcbb:bb00:2::1")));
  EXPECT_TRUE(P6("::/0").Contains(other));
  // Lengths that do not end on a byte boundary.
  const Ipv6Prefix p17 = P6("2001:8000::/17");
  EXPECT_TRUE(p17.Contains(*Ipv6Address::Parse("2001:ffff::")));
  EXPECT_FALSE(p17.Contains(*Ipv6Address::Parse("2001:7fff::")));
}

TEST(ModelIpv6PrefixTest, OrdersByAddressThenLength) {
  EXPECT_LT(P6("2001:db8::/32"), P6("2001:db8::/48"));
  EXPECT_LT(P6("2001:db8::/48"), P6("2001:db9::/32"));
}

TEST(ModelIpv4PrefixTest, ParsesContainsOverlaps) {
  const Ipv4Prefix p = P4("198.51.100.0/24");
  EXPECT_EQ(p.ToString(), "198.51.100.0/24");
  EXPECT_TRUE(p.Contains(*Ipv4Address::Parse("198.51.100.77")));
  EXPECT_FALSE(p.Contains(*Ipv4Address::Parse("198.51.101.1")));
  EXPECT_TRUE(P4("10.0.0.0/8").Overlaps(P4("10.5.0.0/16")));
  EXPECT_FALSE(P4("10.0.0.0/9").Overlaps(P4("10.128.0.0/9")));
  EXPECT_THAT(std::string(Ipv4Prefix::Parse("10.0.0.1/8").status().message()),
              HasSubstr("did you mean \"10.0.0.0/8\""));
  EXPECT_FALSE(Ipv4Prefix::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(Ipv4Prefix::Parse("2001:db8::/32").ok());
}

TEST(ModelIpInterfaceAddressTest, KeepsHostBitsAndGivesSubnet) {
  absl::StatusOr<Ipv6InterfaceAddress> a = Ipv6InterfaceAddress::Parse("2001:db8:0:1::1/127");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->address.ToString(), "2001:db8:0:1::1");
  EXPECT_EQ(a->Subnet().ToString(), "2001:db8:0:1::/127");
  EXPECT_EQ(a->ToString(), "2001:db8:0:1::1/127");
  EXPECT_FALSE(Ipv6InterfaceAddress::Parse("2001:db8:0:1::1").ok());
}

TEST(ModelMacAddressTest, ParsesColonSeparatedHex) {
  absl::StatusOr<MacAddress> m = MacAddress::Parse("02:AB:cd:00:01:ff");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToString(), "02:ab:cd:00:01:ff");
  for (const char* bad :
       {"", "02:ab:cd:00:01", "02-ab-cd-00-01-ff", "02:ab:cd:00:01:fg", "02:ab:cd:00:01:ff:"}) {
    EXPECT_FALSE(MacAddress::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace cpn::model
