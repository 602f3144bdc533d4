// The names of an options enum as written in job files ("eigen" <-> KfacMethod::kEigen): one table
// per enum, declared next to the component that owns the enum, read by the job parser (allowed
// values, did-you-mean) and by messages. Not for: free-form names (registries list those).
#pragma once

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace curvlab {

template <typename E>
class EnumNames {
 public:
  EnumNames(std::initializer_list<std::pair<E, const char*>> entries) {
    for (const auto& [value, name] : entries) {
      values_.push_back(value);
      names_.emplace_back(name);
    }
  }
  // The names in declaration order (the order job-file messages list them in).
  const std::vector<std::string>& names() const { return names_; }
  // The value called `name`, or nothing.
  std::optional<E> find(const std::string& name) const {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return values_[i];
    }
    return std::nullopt;
  }
  // The name of `value` (every value of the enum has one; a missing one is a programming error).
  const std::string& name(E value) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      if (values_[i] == value) return names_[i];
    }
    throw std::logic_error("EnumNames: a value without a name");
  }

 private:
  std::vector<E> values_;
  std::vector<std::string> names_;
};

}  // namespace curvlab
