// MPI collectives on CPU tensors, each run as one task on the communication thread.
//
// Per collective (every rank calls it in the same order; the queue keeps that order):
//   allreduce:      group the tensors by wire dtype (first-appearance order, so identical on all
//                   ranks); one tensor that is already contiguous is reduced in place, otherwise
//                   the group is packed into the fusion buffer, one MPI_Allreduce(IN_PLACE), unpacked.
//                   kAverage = MPI_SUM then divide by size().
//   broadcast:      all tensors as raw bytes in one buffer: root packs, one MPI_Bcast, others unpack.
//   allgather:      MPI_Allgather of each rank's shape summary, then one MPI_Allgatherv into one
//                   buffer; outputs[r] are views of that buffer.
//   reduce_scatter: MPI_Reduce_scatter_block on the flattened input.
#include "comm/mpi/mpi_communicator.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

#include "comm/comm_thread.h"
#include "comm/mpi/mpi_check.h"
#include "comm/mpi/mpi_runtime.h"
#include "comm/tensor_pack.h"
#include "base/error.h"

namespace curvlab {

struct MpiCommunicator::State {
  MPI_Comm comm = MPI_COMM_NULL;
  std::map<torch::ScalarType, torch::Tensor> fusion;  // one reusable buffer per wire dtype

  // A 1-D buffer of at least `numel` elements of `dtype`; grows (never shrinks) on demand.
  torch::Tensor fusion_buffer(torch::ScalarType dtype, int64_t numel) {
    auto& buf = fusion[dtype];
    if (!buf.defined() || buf.numel() < numel) buf = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
    return buf.narrow(0, 0, numel);
  }
};

namespace {

// The dtype a reduction runs in: half precision is reduced in float32 (MPI has no half type).
torch::ScalarType wire_dtype(torch::ScalarType t) {
  if (t == torch::kHalf || t == torch::kBFloat16) return torch::kFloat;
  if (t == torch::kBool) return torch::kUInt8;
  return t;
}

MPI_Datatype reduce_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat: return MPI_FLOAT;
    case torch::kDouble: return MPI_DOUBLE;
    case torch::kLong: return MPI_INT64_T;
    case torch::kInt: return MPI_INT32_T;
    case torch::kShort: return MPI_INT16_T;
    case torch::kChar: return MPI_INT8_T;
    case torch::kByte: return MPI_UINT8_T;
    default: break;
  }
  CURVLAB_THROW(CommError, std::string("the mpi backend cannot reduce tensors of dtype ") + c10::toString(t) +
                               "; use float32/64, int8/16/32/64, uint8, float16 or bfloat16");
}

// A type that moves elements of `element_size` bytes unchanged (no arithmetic).
MPI_Datatype transport_type(size_t element_size) {
  switch (element_size) {
    case 1: return MPI_UINT8_T;
    case 2: return MPI_UINT16_T;
    case 4: return MPI_UINT32_T;
    case 8: return MPI_UINT64_T;
    default: break;
  }
  CURVLAB_THROW(CommError, "the mpi backend cannot move elements of " + std::to_string(element_size) +
                               " bytes (complex tensors are not supported); split them into real tensors");
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAverage: return MPI_SUM;
    case ReduceOp::kMax: return MPI_MAX;
    case ReduceOp::kMin: return MPI_MIN;
  }
  return MPI_SUM;
}

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kAverage: return "average";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kMin: return "min";
  }
  return "?";
}

void check_cpu(const torch::Tensor& t, const char* what) {
  CURVLAB_CHECK(t.defined(), CommError, std::string(what) + ": got an undefined tensor");
  CURVLAB_CHECK(t.device().is_cpu(), CommError,
                std::string(what) + ": the mpi backend moves CPU tensors, got one on " + t.device().str() +
                    "; use [comm] backend = \"nccl\" for CUDA models or move the tensor to the CPU");
  CURVLAB_CHECK(!t.is_sparse(), CommError, std::string(what) + ": sparse tensors are not supported; call to_dense()");
}

void check_reducible(const torch::Tensor& t, ReduceOp op, const char* what) {
  check_cpu(t, what);
  auto dt = t.scalar_type();
  (void)reduce_type(wire_dtype(dt));  // throws for unsupported dtypes
  bool integral = c10::isIntegralType(dt, /*includeBool=*/true);
  CURVLAB_CHECK(!(integral && op == ReduceOp::kAverage), CommError,
                std::string(what) + ": average of an integer tensor (" + c10::toString(dt) +
                    ") is not defined; reduce with sum and divide, or convert to floating point");
  CURVLAB_CHECK(!(dt == torch::kBool && op == ReduceOp::kSum), CommError,
                std::string(what) + ": sum of a bool tensor is not defined; use max (or) / min (and)");
}

// MPI counts are int: large reductions and broadcasts go in chunks of at most this many elements.
constexpr int64_t kMaxChunk = INT_MAX / 2;

int checked_count(int64_t n, const char* what) {
  CURVLAB_CHECK(n <= INT_MAX, CommError,
                std::string(what) + ": " + std::to_string(n) + " elements exceed MPI's int count; split the tensor");
  return static_cast<int>(n);
}

void allreduce_in_place(void* data, int64_t numel, torch::ScalarType dtype, ReduceOp op, MPI_Comm comm) {
  MPI_Datatype type = reduce_type(dtype);
  auto* bytes = static_cast<char*>(data);
  const size_t elem = c10::elementSize(dtype);
  for (int64_t off = 0; off < numel; off += kMaxChunk) {
    int n = static_cast<int>(std::min(kMaxChunk, numel - off));
    CURVLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, bytes + off * elem, n, type, mpi_op(op), comm));
  }
}

void bcast_bytes(void* data, int64_t nbytes, int root, MPI_Comm comm) {
  auto* bytes = static_cast<char*>(data);
  for (int64_t off = 0; off < nbytes; off += kMaxChunk) {
    int n = static_cast<int>(std::min(kMaxChunk, nbytes - off));
    CURVLAB_MPI_CHECK(MPI_Bcast(bytes + off, n, MPI_BYTE, root, comm));
  }
}

// Copies tensor `t` (any layout) into `dst` as raw contiguous bytes, and back.
void copy_bytes_out(const torch::Tensor& t, char* dst) {
  auto c = t.contiguous();
  std::memcpy(dst, c.data_ptr(), c.nbytes());
}
void copy_bytes_in(const char* src, torch::Tensor& t) {
  if (t.is_contiguous()) {
    std::memcpy(t.data_ptr(), src, t.nbytes());
  } else {
    t.copy_(torch::from_blob(const_cast<char*>(src), t.sizes(), t.options()));
  }
}

}  // namespace

MpiCommunicator::MpiCommunicator() : runtime_(MpiRuntime::acquire()), state_(std::make_unique<State>()) {
  CURVLAB_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &state_->comm));
  CURVLAB_MPI_CHECK(MPI_Comm_set_errhandler(state_->comm, MPI_ERRORS_RETURN));
  CURVLAB_MPI_CHECK(MPI_Comm_rank(state_->comm, &rank_));
  CURVLAB_MPI_CHECK(MPI_Comm_size(state_->comm, &size_));
  MPI_Comm node = MPI_COMM_NULL;
  CURVLAB_MPI_CHECK(MPI_Comm_split_type(state_->comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node));
  CURVLAB_MPI_CHECK(MPI_Comm_rank(node, &local_rank_));
  CURVLAB_MPI_CHECK(MPI_Comm_size(node, &local_size_));
  CURVLAB_MPI_CHECK(MPI_Comm_free(&node));
  char name[MPI_MAX_PROCESSOR_NAME] = {0};
  int len = 0;
  CURVLAB_MPI_CHECK(MPI_Get_processor_name(name, &len));
  host_.assign(name, len);
  thread_ = std::make_unique<CommThread>("mpi comm thread of rank " + std::to_string(rank_));
}

MpiCommunicator::~MpiCommunicator() {
  thread_.reset();  // cancels what has not started, waits for the running collective
  if (state_->comm != MPI_COMM_NULL) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&state_->comm);
  }
}

void MpiCommunicator::barrier() {
  thread_->enqueue([this] { CURVLAB_MPI_CHECK(MPI_Barrier(state_->comm)); }, "barrier")->wait();
}

WorkPtr MpiCommunicator::allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) {
  for (const auto& t : tensors) check_reducible(t, op, "allreduce");
  std::string what = std::string("allreduce (") + op_name(op) + ") of " + std::to_string(tensors.size()) + " tensors";
  return thread_->enqueue(
      [this, tensors = std::move(tensors), op]() mutable {
        torch::NoGradGuard no_grad;
        // Groups by wire dtype, in first-appearance order (identical on every rank).
        for (auto& [wire, members] : group_by_dtype(tensors, wire_dtype)) {
          auto& first = tensors[members.front()];
          if (members.size() == 1 && first.is_contiguous() && first.scalar_type() == wire) {
            allreduce_in_place(first.data_ptr(), first.numel(), wire, op, state_->comm);
            if (op == ReduceOp::kAverage) first.div_(size_);
            continue;
          }
          const int64_t total = total_numel(tensors, members);
          auto buf = state_->fusion_buffer(wire, total);
          pack_into(tensors, members, buf);
          allreduce_in_place(buf.data_ptr(), total, wire, op, state_->comm);
          if (op == ReduceOp::kAverage) buf.div_(size_);
          unpack_from(buf, tensors, members);
        }
      },
      what);
}

WorkPtr MpiCommunicator::broadcast_async(std::vector<torch::Tensor> tensors, int root) {
  CURVLAB_CHECK(root >= 0 && root < size_, CommError,
                "broadcast root " + std::to_string(root) + " is out of range for " + std::to_string(size_) + " ranks");
  for (const auto& t : tensors) check_cpu(t, "broadcast");
  std::string what = "broadcast of " + std::to_string(tensors.size()) + " tensors from rank " + std::to_string(root);
  return thread_->enqueue(
      [this, tensors = std::move(tensors), root]() mutable {
        torch::NoGradGuard no_grad;
        if (tensors.size() == 1 && tensors[0].is_contiguous()) {
          bcast_bytes(tensors[0].data_ptr(), static_cast<int64_t>(tensors[0].nbytes()), root, state_->comm);
          return;
        }
        int64_t total = 0;
        for (const auto& t : tensors) total += static_cast<int64_t>(t.nbytes());
        auto buf = state_->fusion_buffer(torch::kByte, total);
        auto* bytes = static_cast<char*>(buf.data_ptr());
        if (rank_ == root) {
          int64_t off = 0;
          for (const auto& t : tensors) {
            copy_bytes_out(t, bytes + off);
            off += static_cast<int64_t>(t.nbytes());
          }
        }
        bcast_bytes(bytes, total, root, state_->comm);
        if (rank_ != root) {
          int64_t off = 0;
          for (auto& t : tensors) {
            copy_bytes_in(bytes + off, t);
            off += static_cast<int64_t>(t.nbytes());
          }
        }
      },
      what);
}

WorkPtr MpiCommunicator::allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) {
  check_cpu(input, "allgather");
  CURVLAB_CHECK(outputs != nullptr, CommError, "allgather: outputs must not be null");
  return thread_->enqueue(
      [this, input, outputs] {
        torch::NoGradGuard no_grad;
        // Shape summary of every rank: ndim, first dimension, elements per row, dtype.
        const int64_t rows = input.dim() == 0 ? 1 : input.size(0);
        int64_t trailing = 1;
        for (int64_t d = 1; d < input.dim(); ++d) trailing *= input.size(d);
        int64_t mine[4] = {input.dim(), rows, trailing, static_cast<int64_t>(input.scalar_type())};
        std::vector<int64_t> all(4 * static_cast<size_t>(size_));
        CURVLAB_MPI_CHECK(MPI_Allgather(mine, 4, MPI_INT64_T, all.data(), 4, MPI_INT64_T, state_->comm));
        std::vector<int> counts(size_), displs(size_);
        int64_t total = 0;
        for (int r = 0; r < size_; ++r) {
          const int64_t* info = &all[4 * static_cast<size_t>(r)];
          CURVLAB_CHECK(info[0] == mine[0] && info[2] == mine[2] && info[3] == mine[3], CommError,
                        "allgather: rank " + std::to_string(r) + " sent a tensor of " + std::to_string(info[0]) +
                            " dims, " + std::to_string(info[2]) + " elements per row, dtype " +
                            c10::toString(static_cast<torch::ScalarType>(info[3])) + " but rank " +
                            std::to_string(rank_) + " sent " + std::to_string(mine[0]) + " dims, " +
                            std::to_string(mine[2]) + " per row, " + c10::toString(input.scalar_type()) +
                            "; only the first dimension may differ between ranks");
          displs[r] = checked_count(total, "allgather");
          counts[r] = checked_count(info[1] * info[2], "allgather");
          total += info[1] * info[2];
        }
        checked_count(total, "allgather");
        auto buf = torch::empty({total}, input.options());
        auto send = input.contiguous();
        MPI_Datatype type = transport_type(c10::elementSize(input.scalar_type()));
        CURVLAB_MPI_CHECK(MPI_Allgatherv(send.data_ptr(), counts[rank_], type, buf.data_ptr(), counts.data(),
                                         displs.data(), type, state_->comm));
        outputs->assign(static_cast<size_t>(size_), torch::Tensor());
        for (int r = 0; r < size_; ++r) {
          auto shape = input.sizes().vec();
          if (!shape.empty()) shape[0] = all[4 * static_cast<size_t>(r) + 1];
          (*outputs)[r] = buf.narrow(0, displs[r], counts[r]).view(shape);
        }
      },
      "allgather");
}

WorkPtr MpiCommunicator::reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp op) {
  check_reducible(input, op, "reduce_scatter");
  check_cpu(output, "reduce_scatter");
  CURVLAB_CHECK(input.scalar_type() == output.scalar_type(), CommError,
                "reduce_scatter: input and output dtypes differ; give them the same dtype");
  CURVLAB_CHECK(input.numel() % size_ == 0 && output.numel() == input.numel() / size_, CommError,
                "reduce_scatter: input has " + std::to_string(input.numel()) + " elements and output " +
                    std::to_string(output.numel()) + "; input.numel() must be size() (" + std::to_string(size_) +
                    ") times output.numel()");
  return thread_->enqueue(
      [this, input, output, op]() mutable {
        torch::NoGradGuard no_grad;
        auto wire = wire_dtype(input.scalar_type());
        auto send = input.reshape(-1).to(wire).contiguous();
        bool direct = output.is_contiguous() && output.scalar_type() == wire;
        auto recv = direct ? output : torch::empty({output.numel()}, send.options());
        int count = checked_count(output.numel(), "reduce_scatter");
        CURVLAB_MPI_CHECK(MPI_Reduce_scatter_block(send.data_ptr(), recv.data_ptr(), count, reduce_type(wire),
                                                   mpi_op(op), state_->comm));
        if (op == ReduceOp::kAverage) recv.div_(size_);
        if (!direct) output.copy_(recv.view(output.sizes()));
      },
      "reduce_scatter");
}

void MpiCommunicator::abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this keeps [[noreturn]] honest if it did
}

}  // namespace curvlab
