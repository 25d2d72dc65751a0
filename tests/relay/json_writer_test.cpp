// JsonWriter: structure and separators, number forms, and strings made valid JSON and valid
// UTF-8 from any bytes.
#include "http/json_writer.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "text/utf8.hpp"

namespace sluice::relay {
namespace {

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonWriter, PlacesCommasAndColons) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("a").value(1).key("b").begin_array().value(true).value(false).null().end_array();
  w.key("c").begin_object().end_object().key("d").begin_array().end_array().end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[true,false,null],"c":{},"d":[]})");
}

TEST(JsonWriter, NestedContainersInArrays) {
  std::string out;
  JsonWriter w(out);
  w.begin_array()
      .begin_object()
      .key("x")
      .value("y")
      .end_object()
      .begin_array()
      .value(2)
      .end_array()
      .end_array();
  EXPECT_EQ(out, R"([{"x":"y"},[2]])");
}

TEST(JsonWriter, IntegersKeepTheirFullRange) {
  std::string out;
  JsonWriter w(out);
  w.begin_array()
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(std::numeric_limits<std::int64_t>::min());
  w.value(std::uint8_t{7}).value(-3).end_array();
  EXPECT_EQ(out, "[18446744073709551615,-9223372036854775808,7,-3]");
}

TEST(JsonWriter, DoublesAreShortestAndNonFiniteIsNull) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(0.5).value(1e300).value(std::numeric_limits<double>::quiet_NaN());
  w.value(std::numeric_limits<double>::infinity()).end_array();
  EXPECT_EQ(out, "[0.5,1e+300,null,null]");
}

TEST(JsonWriter, CharPointerIsAStringNotABool) {
  std::string out;
  JsonWriter(out).value("text");
  EXPECT_EQ(out, "\"text\"");
}

TEST(JsonWriter, Base64AndRawValues) {
  std::string out;
  const std::uint8_t bytes[] = {'f', 'o'};
  JsonWriter w(out);
  w.begin_object().key("b").base64_value(bytes).key("r").raw_value(R"({"k":[1]})").end_object();
  EXPECT_EQ(out, R"({"b":"Zm8=","r":{"k":[1]}})");
}

TEST(JsonWriter, AppendsToWhatIsThere) {
  std::string out = "prefix ";
  JsonWriter(out).value(1);
  EXPECT_EQ(out, "prefix 1");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_string(std::string("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(json_string("/"), "\"/\"");
}

TEST(JsonWriter, KeepsValidUtf8AsIs) {
  EXPECT_EQ(json_string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonWriter, ReplacesInvalidUtf8WithOneReplacementPerMaximalSubpart) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json_string("a\xFF"
                        "b"),
            "\"a" + fffd + "b\"");
  EXPECT_EQ(json_string("\xE2\x82"
                        "x"),
            "\"" + fffd + "x\"");
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");
  EXPECT_EQ(json_string("\xC3"), "\"" + fffd + "\"");
  EXPECT_EQ(json_string("\xF0\x9F\x98"), "\"" + fffd + "\"");
}

TEST(JsonWriter, OutputIsValidUtf8ForEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const std::string out = json_string(all + all);
  EXPECT_TRUE(is_valid_utf8(out));
  for (unsigned char c : out) EXPECT_GE(c, 0x20);
}

TEST(JsonWriter, EscapesKeys) {
  std::string out;
  JsonWriter(out).begin_object().key("k\"\n").value(1).end_object();
  EXPECT_EQ(out, R"({"k\"\n":1})");
}

}  // namespace
}  // namespace sluice::relay
