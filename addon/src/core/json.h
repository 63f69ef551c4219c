// A small JSON reader for the InitPlan. Numbers keep their source text so 64-bit
// values parse exactly; the plan is produced by our own TypeScript, so the reader is
// strict and reports the offset of the first problem.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ocirt {

class JsonValue {
 public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // string value, or the number's source text
  std::vector<JsonValue> items;
  std::map<std::string, JsonValue> fields;
  std::vector<std::string> keys;  // object keys in document order

  bool is_null() const { return kind == Kind::Null; }
  const JsonValue& operator[](const std::string& key) const;
  const JsonValue& at(size_t i) const { return items[i]; }
  size_t size() const { return items.size(); }

  std::string str() const { return kind == Kind::String ? text : std::string(); }
  int64_t i64() const;
  uint64_t u64() const;  // from a number or a decimal string
  bool b() const { return kind == Kind::Bool && boolean; }
  std::vector<std::string> strings() const;
};

// Parses text; on failure returns false and sets error to "offset N: reason".
bool parse_json(const std::string& text, JsonValue& out, std::string& error);

// Escapes a string for inclusion in JSON output (quotes included).
std::string json_quote(const std::string& s);

// The value as JSON text: object keys in their order, numbers as their source text.
std::string json_text(const JsonValue& v);

// Same kind and content; objects compare by key set, in any order; numbers by their text.
bool json_equal(const JsonValue& a, const JsonValue& b);

}  // namespace ocirt
