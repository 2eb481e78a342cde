// Eight-lane float and int vectors (GCC/Clang vector extensions, so the kernels stay portable C++), and unaligned
// loads and stores of them.
#ifndef TORCHJAX_CSRC_VEC8_H_
#define TORCHJAX_CSRC_VEC8_H_

#include <cstdint>

namespace torchjax {

typedef float v8 __attribute__((vector_size(32)));
typedef int32_t i8v __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
  v8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, v8 v) { __builtin_memcpy(p, &v, sizeof v); }

}  // namespace torchjax

#endif  // TORCHJAX_CSRC_VEC8_H_
