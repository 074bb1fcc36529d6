// libFuzzer target for the subject parser: any decoded subject line. Built
// with -DLISTDIGEST_FUZZ=ON by clang; run by scripts/fuzz from the seed
// corpus tests/fuzz/seeds/subject (real subjects).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken =
      listdigest::fuzz::CheckSubject(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "subject_fuzz: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
