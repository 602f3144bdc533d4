// NCCL collectives on CUDA tensors, enqueued on the communicator's own stream (see the header
// for the setup and ordering protocol). No LibTorch CUDA header is used: tensors are reached
// through data_ptr(), and LibTorch's kernels are assumed on the legacy default stream.
//
// Per collective (every rank calls it in the same order):
//   allreduce:      one ncclAllReduce per dtype group inside one ncclGroupStart/End; a group of
//                   several tensors is packed with torch::cat and unpacked in wait().
//                   kAverage uses ncclAvg.
//   broadcast:      one ncclBroadcast (as bytes) per tensor inside one group.
//   allgather:      shapes exchanged over the bootstrap communicator, then one ncclBroadcast per
//                   source rank inside one group (NCCL's allgather needs equal sizes).
//   reduce_scatter: ncclReduceScatter of the flattened input.
#include "comm/nccl/nccl_communicator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

#include "comm/nccl/nccl_check.h"
#include "comm/tensor_pack.h"
#include "base/error.h"

namespace curvlab {
namespace nccl_detail {

void throw_nccl_error(ncclResult_t code, const char* call, const char* file, int line) {
  std::string name(call);
  name = name.substr(0, name.find('('));
  const char* hint = (code == ncclRemoteError || code == ncclSystemError)
                         ? "a peer rank may have failed first (see its message) or the network is down"
                         : "rerun with NCCL_DEBUG=INFO for NCCL's own diagnosis";
  throw CommError(name + " failed on rank " + std::to_string(process_rank()) + ": " + ncclGetErrorString(code) +
                      " (" + hint + ")",
                  file, line);
}

void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line) {
  std::string name(call);
  name = name.substr(0, name.find('('));
  throw CommError(name + " failed on rank " + std::to_string(process_rank()) + ": " + cudaGetErrorString(code) +
                      " (check nvidia-smi, CUDA_VISIBLE_DEVICES and that the driver supports this CUDA runtime)",
                  file, line);
}

}  // namespace nccl_detail

struct NcclCommunicator::Handles {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  int device = 0;
  std::atomic<bool> aborted{false};

  ~Handles() {
    cudaSetDevice(device);
    if (stream != nullptr && !aborted) cudaStreamSynchronize(stream);
    if (comm != nullptr) {
      if (aborted) ncclCommAbort(comm);
      else ncclCommDestroy(comm);
    }
    if (stream != nullptr) cudaStreamDestroy(stream);
  }
};

namespace {

// Makes `device` current for the calling thread and restores the previous device afterwards.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    CURVLAB_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device) CURVLAB_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() { cudaSetDevice(previous_); }

 private:
  int previous_ = 0;
};

ncclDataType_t nccl_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat: return ncclFloat32;
    case torch::kDouble: return ncclFloat64;
    case torch::kHalf: return ncclFloat16;
    case torch::kBFloat16: return ncclBfloat16;
    case torch::kInt: return ncclInt32;
    case torch::kLong: return ncclInt64;
    case torch::kChar: return ncclInt8;
    case torch::kByte:
    case torch::kBool: return ncclUint8;
    default: break;
  }
  CURVLAB_THROW(CommError, std::string("the nccl backend cannot reduce tensors of dtype ") + c10::toString(t) +
                               "; use float16/32/64, bfloat16, int8/32/64 or uint8");
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return ncclSum;
    case ReduceOp::kAverage: return ncclAvg;
    case ReduceOp::kMax: return ncclMax;
    case ReduceOp::kMin: return ncclMin;
  }
  return ncclSum;
}

void check_cuda_tensor(const torch::Tensor& t, int device, const char* what) {
  CURVLAB_CHECK(t.defined(), CommError, std::string(what) + ": got an undefined tensor");
  CURVLAB_CHECK(t.device().is_cuda() && t.device().index() == device, CommError,
                std::string(what) + ": the nccl backend of this rank moves tensors on cuda:" + std::to_string(device) +
                    ", got one on " + t.device().str() + "; put the model on cuda:(local_rank % device count)");
  CURVLAB_CHECK(!t.is_sparse(), CommError, std::string(what) + ": sparse tensors are not supported; call to_dense()");
}

void check_reducible(const torch::Tensor& t, ReduceOp op, int device, const char* what) {
  check_cuda_tensor(t, device, what);
  (void)nccl_type(t.scalar_type());
  bool integral = c10::isIntegralType(t.scalar_type(), /*includeBool=*/true);
  CURVLAB_CHECK(!(integral && op == ReduceOp::kAverage), CommError,
                std::string(what) + ": average of an integer tensor is not defined; reduce with sum and divide");
  CURVLAB_CHECK(!(t.scalar_type() == torch::kBool && op == ReduceOp::kSum), CommError,
                std::string(what) + ": sum of a bool tensor is not defined; use max (or) / min (and)");
}

// The Work of one enqueued NCCL group: a completion event on the NCCL stream, the tensors it
// uses (kept alive until it is done) and the unpacking to run once it is done.
class NcclWork : public Work {
 public:
  NcclWork(std::shared_ptr<NcclCommunicator::Handles> handles, std::vector<torch::Tensor> keep,
           std::function<void()> after)
      : handles_(std::move(handles)), keep_(std::move(keep)), after_(std::move(after)) {
    DeviceGuard guard(handles_->device);
    CURVLAB_CUDA_CHECK(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming));
    CURVLAB_CUDA_CHECK(cudaEventRecord(done_, handles_->stream));
  }

  ~NcclWork() override {
    // Never free tensors NCCL may still be reading or writing.
    if (!finished_ && !handles_->aborted) cudaEventSynchronize(done_);
    cudaEventDestroy(done_);
  }

  void wait() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!finished_) {
      try {
        poll_until_done();
        if (after_) {
          DeviceGuard guard(handles_->device);
          torch::NoGradGuard no_grad;
          after_();
        }
      } catch (...) {
        error_ = std::current_exception();
      }
      finished_ = true;
      after_ = nullptr;
      keep_.clear();
    }
    if (error_) std::rethrow_exception(error_);
  }

  bool is_completed() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return true;
    return !after_ && cudaEventQuery(done_) == cudaSuccess;
  }

 private:
  void poll_until_done() {
    for (int spins = 0;; ++spins) {
      cudaError_t state = cudaEventQuery(done_);
      if (state == cudaSuccess) return;
      if (state != cudaErrorNotReady) CURVLAB_CUDA_CHECK(state);
      ncclResult_t async = ncclSuccess;
      CURVLAB_NCCL_CHECK(ncclCommGetAsyncError(handles_->comm, &async));
      if (async != ncclSuccess && async != ncclInProgress) {
        handles_->aborted = true;  // the clique is unusable: abort it instead of hanging in destroy
        CURVLAB_NCCL_CHECK(async);
      }
      if (spins < 1000) std::this_thread::yield();
      else std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  std::shared_ptr<NcclCommunicator::Handles> handles_;
  std::vector<torch::Tensor> keep_;
  std::function<void()> after_;
  cudaEvent_t done_ = nullptr;
  std::mutex mutex_;
  bool finished_ = false;
  std::exception_ptr error_;
};

// CPU tensors (control-plane values, RNG states) go over the bootstrap (MPI) communicator.
bool all_on_cpu(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return false;
  for (const auto& t : tensors) {
    if (!t.defined() || !t.device().is_cpu()) return false;
  }
  return true;
}

// Makes the NCCL stream wait for everything already queued on the legacy default stream.
void stream_wait_default(cudaStream_t stream) {
  cudaEvent_t ready = nullptr;
  CURVLAB_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
  CURVLAB_CUDA_CHECK(cudaEventRecord(ready, cudaStreamLegacy));
  CURVLAB_CUDA_CHECK(cudaStreamWaitEvent(stream, ready, 0));
  CURVLAB_CUDA_CHECK(cudaEventDestroy(ready));
}

}  // namespace

NcclCommunicator::NcclCommunicator(CommunicatorPtr bootstrap) : bootstrap_(std::move(bootstrap)) {
  CURVLAB_CHECK(bootstrap_ != nullptr, CommError, "NcclCommunicator needs a bootstrap communicator (MPI)");
  int count = 0;
  cudaError_t rc = cudaGetDeviceCount(&count);
  CURVLAB_CHECK(rc == cudaSuccess && count > 0, CommError,
                "rank " + std::to_string(rank()) + " on " + host() + " sees no CUDA device (" +
                    (rc == cudaSuccess ? std::string("0 devices") : std::string(cudaGetErrorString(rc))) +
                    "); the nccl backend needs one GPU per local rank: use [comm] backend = \"mpi\" on CPUs");
  CURVLAB_CHECK(local_size() <= count, ConfigError,
                std::to_string(local_size()) + " ranks share node " + host() + " but it has " + std::to_string(count) +
                    " GPUs; NCCL needs one GPU per rank: start at most " + std::to_string(count) + " ranks per node");
  device_ = local_rank() % count;
  CURVLAB_CUDA_CHECK(cudaSetDevice(device_));

  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  if (rank() == 0) CURVLAB_NCCL_CHECK(ncclGetUniqueId(&id));
  auto id_bytes = torch::zeros({static_cast<int64_t>(sizeof(id))}, torch::kUInt8);
  std::memcpy(id_bytes.data_ptr(), &id, sizeof(id));
  bootstrap_->broadcast({id_bytes}, 0);
  std::memcpy(&id, id_bytes.data_ptr(), sizeof(id));

  handles_ = std::make_shared<Handles>();
  handles_->device = device_;
  CURVLAB_CUDA_CHECK(cudaStreamCreateWithFlags(&handles_->stream, cudaStreamNonBlocking));
  CURVLAB_NCCL_CHECK(ncclCommInitRank(&handles_->comm, size(), id, rank()));
}

NcclCommunicator::~NcclCommunicator() = default;  // Handles syncs the stream and destroys the clique

void NcclCommunicator::barrier() {
  {
    DeviceGuard guard(device_);
    CURVLAB_CUDA_CHECK(cudaStreamSynchronize(handles_->stream));
  }
  bootstrap_->barrier();
}

WorkPtr NcclCommunicator::allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) {
  if (all_on_cpu(tensors)) return bootstrap_->allreduce_async(std::move(tensors), op);
  for (const auto& t : tensors) check_reducible(t, op, device_, "allreduce");
  DeviceGuard guard(device_);
  torch::NoGradGuard no_grad;
  const auto groups = group_by_dtype(tensors, [](torch::ScalarType t) { return t; });  // first-appearance order
  std::vector<torch::Tensor> buffers;  // what NCCL reduces in place, one per group
  std::vector<std::function<void()>> unpack;
  for (const auto& [dt, members] : groups) {
    const auto& first = tensors[members.front()];
    if (members.size() == 1 && first.is_contiguous()) {
      buffers.push_back(first);
      continue;
    }
    std::vector<torch::Tensor> targets;
    for (size_t i : members) targets.push_back(tensors[i]);
    auto packed = pack(targets);
    buffers.push_back(packed);
    unpack.push_back([packed, targets]() mutable { curvlab::unpack(packed, targets); });
  }
  stream_wait_default(handles_->stream);
  CURVLAB_NCCL_CHECK(ncclGroupStart());
  for (auto& b : buffers) {
    if (b.numel() == 0) continue;
    CURVLAB_NCCL_CHECK(ncclAllReduce(b.data_ptr(), b.data_ptr(), static_cast<size_t>(b.numel()),
                                     nccl_type(b.scalar_type()), nccl_op(op), handles_->comm, handles_->stream));
  }
  CURVLAB_NCCL_CHECK(ncclGroupEnd());
  std::function<void()> after;
  if (!unpack.empty()) after = [unpack] { for (const auto& u : unpack) u(); };
  return std::make_shared<NcclWork>(handles_, buffers, after);
}

WorkPtr NcclCommunicator::broadcast_async(std::vector<torch::Tensor> tensors, int root) {
  CURVLAB_CHECK(root >= 0 && root < size(), CommError,
                "broadcast root " + std::to_string(root) + " is out of range for " + std::to_string(size()) + " ranks");
  if (all_on_cpu(tensors)) return bootstrap_->broadcast_async(std::move(tensors), root);
  for (const auto& t : tensors) check_cuda_tensor(t, device_, "broadcast");
  DeviceGuard guard(device_);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> buffers;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copy_back;  // (target, contiguous buffer)
  for (const auto& t : tensors) {
    auto c = t.contiguous();
    buffers.push_back(c);
    if (!t.is_contiguous() && rank() != root) copy_back.push_back({t, c});
  }
  stream_wait_default(handles_->stream);
  CURVLAB_NCCL_CHECK(ncclGroupStart());
  for (auto& b : buffers) {
    if (b.numel() == 0) continue;
    CURVLAB_NCCL_CHECK(ncclBroadcast(b.data_ptr(), b.data_ptr(), b.nbytes(), ncclUint8, root, handles_->comm,
                                     handles_->stream));
  }
  CURVLAB_NCCL_CHECK(ncclGroupEnd());
  std::function<void()> after;
  if (!copy_back.empty()) after = [copy_back]() mutable { for (auto& [t, c] : copy_back) t.copy_(c); };
  return std::make_shared<NcclWork>(handles_, buffers, after);
}

WorkPtr NcclCommunicator::allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) {
  if (all_on_cpu({input})) return bootstrap_->allgather_async(std::move(input), outputs);
  check_cuda_tensor(input, device_, "allgather");
  CURVLAB_CHECK(outputs != nullptr, CommError, "allgather: outputs must not be null");
  // Shapes travel over the bootstrap (host) communicator: ndim, first dimension, row size, dtype.
  const int64_t rows = input.dim() == 0 ? 1 : input.size(0);
  int64_t trailing = 1;
  for (int64_t d = 1; d < input.dim(); ++d) trailing *= input.size(d);
  auto mine = torch::tensor({input.dim(), rows, trailing, static_cast<int64_t>(input.scalar_type())}, torch::kInt64);
  auto infos = bootstrap_->allgather(mine);
  DeviceGuard guard(device_);
  torch::NoGradGuard no_grad;
  outputs->assign(static_cast<size_t>(size()), torch::Tensor());
  for (int r = 0; r < size(); ++r) {
    auto info = infos[r].accessor<int64_t, 1>();
    CURVLAB_CHECK(info[0] == input.dim() && info[2] == trailing && info[3] == static_cast<int64_t>(input.scalar_type()),
                  CommError,
                  "allgather: rank " + std::to_string(r) + " sent a tensor whose dims, row size or dtype differ from "
                  "rank " + std::to_string(rank()) + "'s; only the first dimension may differ between ranks");
    auto shape = input.sizes().vec();
    if (!shape.empty()) shape[0] = info[1];
    (*outputs)[r] = torch::empty(shape, input.options());
  }
  auto send = input.contiguous();
  std::vector<torch::Tensor> keep = *outputs;
  keep.push_back(send);
  stream_wait_default(handles_->stream);
  CURVLAB_NCCL_CHECK(ncclGroupStart());
  for (int r = 0; r < size(); ++r) {
    auto& out = (*outputs)[r];
    if (out.numel() == 0) continue;
    const void* src = r == rank() ? send.data_ptr() : nullptr;
    CURVLAB_NCCL_CHECK(ncclBroadcast(src, out.data_ptr(), out.nbytes(), ncclUint8, r, handles_->comm, handles_->stream));
  }
  CURVLAB_NCCL_CHECK(ncclGroupEnd());
  return std::make_shared<NcclWork>(handles_, keep, nullptr);
}

WorkPtr NcclCommunicator::reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp op) {
  if (all_on_cpu({input, output})) return bootstrap_->reduce_scatter_async(std::move(input), std::move(output), op);
  check_reducible(input, op, device_, "reduce_scatter");
  check_cuda_tensor(output, device_, "reduce_scatter");
  CURVLAB_CHECK(input.scalar_type() == output.scalar_type(), CommError,
                "reduce_scatter: input and output dtypes differ; give them the same dtype");
  CURVLAB_CHECK(input.numel() % size() == 0 && output.numel() == input.numel() / size(), CommError,
                "reduce_scatter: input.numel() (" + std::to_string(input.numel()) + ") must be size() times output.numel() (" +
                    std::to_string(output.numel()) + ")");
  DeviceGuard guard(device_);
  torch::NoGradGuard no_grad;
  auto send = input.reshape(-1).contiguous();
  bool direct = output.is_contiguous();
  auto recv = direct ? output : torch::empty({output.numel()}, output.options());
  stream_wait_default(handles_->stream);
  if (recv.numel() > 0) {
    CURVLAB_NCCL_CHECK(ncclReduceScatter(send.data_ptr(), recv.data_ptr(), static_cast<size_t>(recv.numel()),
                                         nccl_type(send.scalar_type()), nccl_op(op), handles_->comm, handles_->stream));
  }
  std::function<void()> after;
  if (!direct) after = [output, recv]() mutable { output.copy_(recv.view(output.sizes())); };
  return std::make_shared<NcclWork>(handles_, std::vector<torch::Tensor>{send, recv}, after);
}

void NcclCommunicator::abort(int exit_code) {
  if (handles_ && handles_->comm != nullptr && !handles_->aborted.exchange(true)) ncclCommAbort(handles_->comm);
  bootstrap_->abort(exit_code);
  std::_Exit(exit_code);  // not reached: the bootstrap's abort does not return
}

}  // namespace curvlab
