#pragma once
// Marks small Kokkos-free helpers (shapes) callable from device code when a CUDA/HIP compiler
// builds the kernels, without making core/ depend on Kokkos.
#if defined(__CUDACC__) || defined(__HIPCC__)
#define MOAT_HOST_DEVICE __host__ __device__
#else
#define MOAT_HOST_DEVICE
#endif
