// `features` from the cache the Node CLI's last `features` wrote under the root
// (src/cli/features-cache.ts), while its boot and every file it names are unchanged.
#include <sys/stat.h>
#include <unistd.h>

#include "fast/fast.h"

namespace ocirt {
namespace fast {

namespace {
bool unchanged(const JsonValue& file) {
  struct stat st;
  if (file["path"].kind != JsonValue::Kind::String || stat(file["path"].str().c_str(), &st) != 0) return false;
  unsigned long long mtime_ns = (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec;
  return file["mtimeNs"].str() == std::to_string(mtime_ns) && file["size"].str() == std::to_string((unsigned long long)st.st_size);
}
}  // namespace

int run_features(const Invocation& inv) {
  if (!inv.args.empty()) hand_over();
  std::string text, boot_id, error;
  JsonValue cache;
  if (!read_file(container_dir(inv.root, "features~cache.json"), text) || !parse_json(text, cache, error)) hand_over();
  if (!read_file("/proc/sys/kernel/random/boot_id", boot_id)) hand_over();
  while (!boot_id.empty() && boot_id.back() == '\n') boot_id.pop_back();
  if (cache["bootId"].str() != boot_id || cache["text"].kind != JsonValue::Kind::String) hand_over();
  const JsonValue& files = cache["files"];
  if (files.kind != JsonValue::Kind::Array || files.size() == 0) hand_over();
  for (const auto& f : files.items)
    if (!unchanged(f)) hand_over();
  const std::string& out = cache["text"].text;
  return fwrite(out.data(), 1, out.size(), stdout) == out.size() && fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace fast
}  // namespace ocirt
