#pragma once
// Everything public in relutope.
#include "relutope/atomic_file.hpp"
#include "relutope/dataset.hpp"
#include "relutope/domain.hpp"
#include "relutope/error.hpp"
#include "relutope/exact.hpp"
#include "relutope/network.hpp"
#include "relutope/network_io.hpp"
#include "relutope/points.hpp"
#include "relutope/train.hpp"
#include "relutope/train_config.hpp"
