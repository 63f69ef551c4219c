#include "core/json.h"

#include <cstdlib>

namespace ocirt {

namespace {

const JsonValue kNull;

class Reader {
 public:
  explicit Reader(const std::string& t) : t_(t) {}

  bool value(JsonValue& out, int depth) {
    if (depth > 64) return fail("nested too deeply");
    ws();
    if (p_ >= t_.size()) return fail("unexpected end");
    char c = t_[p_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.kind = JsonValue::Kind::String;
      return string(out.text);
    }
    if (literal("true")) {
      out.kind = JsonValue::Kind::Bool;
      out.boolean = true;
      return true;
    }
    if (literal("false")) {
      out.kind = JsonValue::Kind::Bool;
      return true;
    }
    if (literal("null")) return true;
    return number(out);
  }

  bool done() {
    ws();
    return p_ == t_.size() || fail("trailing data");
  }

  std::string error;

 private:
  bool fail(const char* why) {
    if (error.empty()) error = "offset " + std::to_string(p_) + ": " + why;
    return false;
  }
  void ws() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\n' || t_[p_] == '\r' || t_[p_] == '\t')) p_++;
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (t_.compare(p_, n, word) != 0) return false;
    p_ += n;
    return true;
  }
  bool number(JsonValue& out) {
    size_t start = p_;
    if (p_ < t_.size() && t_[p_] == '-') p_++;
    while (p_ < t_.size() && (isdigit((unsigned char)t_[p_]) || t_[p_] == '.' || t_[p_] == 'e' ||
                              t_[p_] == 'E' || t_[p_] == '+' || t_[p_] == '-'))
      p_++;
    if (p_ == start) return fail("unexpected character");
    out.kind = JsonValue::Kind::Number;
    out.text = t_.substr(start, p_ - start);
    return true;
  }
  static void utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += char(cp);
    } else if (cp < 0x800) {
      s += char(0xC0 | (cp >> 6));
      s += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += char(0xE0 | (cp >> 12));
      s += char(0x80 | ((cp >> 6) & 0x3F));
      s += char(0x80 | (cp & 0x3F));
    } else {
      s += char(0xF0 | (cp >> 18));
      s += char(0x80 | ((cp >> 12) & 0x3F));
      s += char(0x80 | ((cp >> 6) & 0x3F));
      s += char(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(unsigned& cp) {
    if (p_ + 4 > t_.size()) return fail("short \\u escape");
    cp = unsigned(strtoul(t_.substr(p_, 4).c_str(), nullptr, 16));
    p_ += 4;
    return true;
  }
  bool string(std::string& s) {
    p_++;  // opening quote
    while (p_ < t_.size()) {
      char c = t_[p_++];
      if (c == '"') return true;
      if (c != '\\') {
        s += c;
        continue;
      }
      if (p_ >= t_.size()) break;
      char e = t_[p_++];
      switch (e) {
        case 'n': s += '\n'; break;
        case 't': s += '\t'; break;
        case 'r': s += '\r'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && t_.compare(p_, 2, "\\u") == 0) {
            p_ += 2;
            unsigned lo;
            if (!hex4(lo)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(s, cp);
          break;
        }
        default: s += e;
      }
    }
    return fail("unterminated string");
  }
  bool array(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::Array;
    p_++;
    ws();
    if (p_ < t_.size() && t_[p_] == ']') {
      p_++;
      return true;
    }
    for (;;) {
      out.items.emplace_back();
      if (!value(out.items.back(), depth + 1)) return false;
      ws();
      if (p_ < t_.size() && t_[p_] == ',') {
        p_++;
        continue;
      }
      if (p_ < t_.size() && t_[p_] == ']') {
        p_++;
        return true;
      }
      return fail("expected , or ]");
    }
  }
  bool object(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::Object;
    p_++;
    ws();
    if (p_ < t_.size() && t_[p_] == '}') {
      p_++;
      return true;
    }
    for (;;) {
      ws();
      if (p_ >= t_.size() || t_[p_] != '"') return fail("expected a key");
      std::string key;
      if (!string(key)) return false;
      ws();
      if (p_ >= t_.size() || t_[p_] != ':') return fail("expected :");
      p_++;
      // A repeated key: the last value wins, as with JSON.parse.
      if (out.fields.find(key) == out.fields.end()) out.keys.push_back(key);
      out.fields[key] = JsonValue();
      if (!value(out.fields[key], depth + 1)) return false;
      ws();
      if (p_ < t_.size() && t_[p_] == ',') {
        p_++;
        continue;
      }
      if (p_ < t_.size() && t_[p_] == '}') {
        p_++;
        return true;
      }
      return fail("expected , or }");
    }
  }

  const std::string& t_;
  size_t p_ = 0;
};

}  // namespace

const JsonValue& JsonValue::operator[](const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() ? kNull : it->second;
}

int64_t JsonValue::i64() const {
  if (kind != Kind::Number && kind != Kind::String) return 0;
  return strtoll(text.c_str(), nullptr, 10);
}

uint64_t JsonValue::u64() const {
  if (kind != Kind::Number && kind != Kind::String) return 0;
  return strtoull(text.c_str(), nullptr, 10);
}

std::vector<std::string> JsonValue::strings() const {
  std::vector<std::string> v;
  for (const auto& i : items) v.push_back(i.str());
  return v;
}

bool parse_json(const std::string& text, JsonValue& out, std::string& error) {
  Reader r(text);
  bool ok = r.value(out, 0) && r.done();
  if (!ok) error = r.error;
  return ok;
}

std::string json_quote(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += char(c);
    } else if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else {
      o += char(c);
    }
  }
  return o + "\"";
}

std::string json_text(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::Null: return "null";
    case JsonValue::Kind::Bool: return v.boolean ? "true" : "false";
    case JsonValue::Kind::Number: return v.text;
    case JsonValue::Kind::String: return json_quote(v.text);
    case JsonValue::Kind::Array: {
      std::string o = "[";
      for (size_t i = 0; i < v.items.size(); i++) o += (i ? "," : "") + json_text(v.items[i]);
      return o + "]";
    }
    case JsonValue::Kind::Object: {
      std::string o = "{";
      for (size_t i = 0; i < v.keys.size(); i++) o += (i ? "," : "") + json_quote(v.keys[i]) + ":" + json_text(v[v.keys[i]]);
      return o + "}";
    }
  }
  return "null";
}

bool json_equal(const JsonValue& a, const JsonValue& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case JsonValue::Kind::Null: return true;
    case JsonValue::Kind::Bool: return a.boolean == b.boolean;
    case JsonValue::Kind::Number:
    case JsonValue::Kind::String: return a.text == b.text;
    case JsonValue::Kind::Array:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); i++)
        if (!json_equal(a.items[i], b.items[i])) return false;
      return true;
    case JsonValue::Kind::Object:
      if (a.keys.size() != b.keys.size()) return false;
      for (const auto& key : a.keys) {
        auto other = b.fields.find(key);
        if (other == b.fields.end() || !json_equal(a[key], other->second)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace ocirt
