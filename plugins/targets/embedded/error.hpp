// Engine errors carry a vmon_status so the C boundary can pass them on as-is.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <vmon/abi.h>

namespace emb
{

class Error : public std::runtime_error
{
  public:
    Error(int status, const std::string &msg) : std::runtime_error(msg), status_(status) {}
    int status() const
    {
        return status_;
    }

  private:
    int status_;
};

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

[[noreturn]] void fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

} // namespace emb
