import GPUBaseline
import TritChip
import TritCore
import TritModel

/// The resolved configs of a run as JSON, embedded in `summary.json` so a run can be reproduced.
enum ConfigEcho {
    static func json(_ m: ModelConfig) -> JSONOutput {
        .object([
            "name": .string(m.name), "hiddenSize": .int(Int64(m.hiddenSize)), "intermediateSize": .int(Int64(m.intermediateSize)),
            "layers": .int(Int64(m.layers)), "attentionHeads": .int(Int64(m.attentionHeads)), "kvHeads": .int(Int64(m.kvHeads)),
            "headDim": .int(Int64(m.headDim)), "vocabSize": .int(Int64(m.vocabSize)), "tieWordEmbeddings": .bool(m.tieWordEmbeddings),
            "activation": .string(m.activation.rawValue), "ropeTheta": .double(m.ropeTheta),
            "maxPositionEmbeddings": .int(Int64(m.maxPositionEmbeddings)), "rmsNormEps": .double(m.rmsNormEps),
            "subNorms": .bool(m.subNorms),
        ])
    }

    /// The chip and its technology table. Fields of the `lut` datapath — `ternaryArray.lutGroupSize`
    /// (the group size in effect) and the technology's `lutLookupPicojoules` with its source —
    /// appear when the chip uses it (and `lutGroupSize` also when set), so adder-tree runs echo
    /// exactly what priced them.
    static func json(_ chip: ResolvedChip) -> JSONOutput {
        let c = chip.config
        let t = chip.technology
        let usesLUT = c.ternaryArray.datapath == .lut
        var array: [String: JSONOutput] = [
            "rows": .int(Int64(c.ternaryArray.rows)), "columns": .int(Int64(c.ternaryArray.columns)),
            "count": .int(Int64(c.ternaryArray.count)), "datapath": .string(c.ternaryArray.datapath.rawValue),
            "weightLoadBytesPerCycle": .int(Int64(c.ternaryArray.weightLoadBytesPerCycle)),
            "shadowWeightRegisters": .bool(c.ternaryArray.shadowWeightRegisters),
            "unpackWeightsPerCycle": c.ternaryArray.unpackWeightsPerCycle.map { .int(Int64($0)) } ?? .null,
        ]
        if usesLUT || c.ternaryArray.lutGroupSize != nil { array["lutGroupSize"] = .int(Int64(chip.lutGroupSize)) }
        var technology: [String: JSONOutput] = [
            "node": .string(t.node), "int8AddPicojoules": .double(t.int8AddPicojoules),
            "int8MultiplyPicojoules": .double(t.int8MultiplyPicojoules), "int32AddPicojoules": .double(t.int32AddPicojoules),
            "fp16AddPicojoules": .double(t.fp16AddPicojoules), "fp16MultiplyPicojoules": .double(t.fp16MultiplyPicojoules),
            "fp32AddPicojoules": .double(t.fp32AddPicojoules), "fp32MultiplyPicojoules": .double(t.fp32MultiplyPicojoules),
            "specialFunctionPicojoules": .double(t.specialFunctionPicojoules),
            "weightUnpackPicojoulesPerWeight": .double(t.weightUnpackPicojoulesPerWeight),
            "sramReadPicojoulesPerByte": .double(t.sramReadPicojoulesPerByte),
            "sramWritePicojoulesPerByte": .double(t.sramWritePicojoulesPerByte),
        ]
        var technologySources = t.sources
        if usesLUT {
            technology["lutLookupPicojoules"] = .double(t.lutLookupPicojoules)
        } else {
            technologySources["lutLookupPicojoules"] = nil
        }
        technology["sources"] = .object(technologySources.mapValues { .string($0) })
        return .object([
            "name": .string(c.name), "description": .string(c.description), "clockHz": .double(c.clockHz),
            "ternaryArray": .object(array),
            "vectorUnit": .object([
                "lanes": .int(Int64(c.vectorUnit.lanes)), "specialFunctionsPerCycle": .int(Int64(c.vectorUnit.specialFunctionsPerCycle)),
                "startupCycles": .int(Int64(c.vectorUnit.startupCycles)),
            ]),
            "attentionUnit": .object([
                "macsPerCycle": .int(Int64(c.attentionUnit.macsPerCycle)), "startupCycles": .int(Int64(c.attentionUnit.startupCycles)),
            ]),
            "sram": .object([
                "weightBufferBytes": .int(c.sram.weightBufferBytes), "activationBufferBytes": .int(c.sram.activationBufferBytes),
                "kvBufferBytes": .int(c.sram.kvBufferBytes), "bytesPerCycle": .int(Int64(c.sram.bytesPerCycle)),
            ]),
            "offChipMemory": !c.hasOffChipMemory ? .object(["type": .string(c.offChipMemory.type.rawValue)]) : .object([
                "type": .string(c.offChipMemory.type.rawValue),
                "peakBandwidthBytesPerSecond": .double(c.offChipMemory.peakBandwidthBytesPerSecond),
                "efficiency": .double(c.offChipMemory.efficiency),
                "accessLatencyNanoseconds": .double(c.offChipMemory.accessLatencyNanoseconds),
                "energyPicojoulesPerBit": .double(c.offChipMemory.energyPicojoulesPerBit),
                "capacityBytes": .int(c.offChipMemory.capacityBytes),
            ]),
            "weightFormat": .string(c.weightFormat.rawValue), "kvCacheBits": .int(Int64(c.kvCacheBits)),
            "staticPowerWatts": .double(c.staticPowerWatts),
            "compiler": .object(c.weightPrefetchDepth.map { ["weightPrefetchDepth": .int(Int64($0))] } ?? [:]),
            "sources": .object(c.sources.mapValues { .string($0) }),
            "technology": .object(technology),
        ])
    }

    static func json(_ system: ResolvedSystem) -> JSONOutput {
        let c = system.config
        return .object([
            "name": .string(c.name), "description": .string(c.description), "chip": .string(system.chip.config.name),
            "chips": .int(Int64(c.chips)),
            "partitioning": .object(["tensor": .int(Int64(c.partitioning.tensorParallel)),
                                     "pipeline": .int(Int64(c.partitioning.pipelineStages))]),
            "link": .object([
                "bandwidthBytesPerSecond": .double(c.link.bandwidthBytesPerSecond),
                "latencyNanoseconds": .double(c.link.latencyNanoseconds),
                "energyPicojoulesPerBit": .double(c.link.energyPicojoulesPerBit),
            ]),
            "sources": .object(c.sources.mapValues { .string($0) }),
        ])
    }

    static func json(_ gpu: GPUConfig) -> JSONOutput {
        let k = gpu.calibration
        return .object([
            "id": .string(gpu.id), "name": .string(gpu.name), "peakFP16TensorFLOPS": .double(gpu.peakFP16TensorFLOPS),
            "peakINT8TensorOPS": .double(gpu.peakINT8TensorOPS), "peakFP32VectorFLOPS": .double(gpu.peakFP32VectorFLOPS),
            "peakMemoryBandwidthBytesPerSecond": .double(gpu.peakMemoryBandwidthBytesPerSecond),
            "memoryCapacityBytes": .int(gpu.memoryCapacityBytes), "l2CacheBytes": .int(gpu.l2CacheBytes),
            "boardPowerLimitWatts": .double(gpu.boardPowerLimitWatts),
            "idlePowerWatts": .double(gpu.idlePowerWatts), "streamingMultiprocessors": .int(Int64(gpu.streamingMultiprocessors)),
            "boostClockHz": .double(gpu.boostClockHz),
            "interconnect": gpu.interconnect.map { link in
                .object(["name": .string(link.name), "bandwidthBytesPerSecond": .double(link.bandwidthBytesPerSecond),
                         "latencySeconds": .double(link.latencySeconds)])
            } ?? .null,
            "sources": .object(gpu.sources.mapValues { .string($0) }),
            "calibration": .object([
                "note": .string(k.note), "achievableBandwidthFraction": .double(k.achievableBandwidthFraction),
                "halfBandwidthTransferBytes": .double(k.halfBandwidthTransferBytes),
                "halfBandwidthOutputRows": .double(k.halfBandwidthOutputRows),
                "kernelOverheadGraphSeconds": .double(k.kernelOverheadGraphSeconds),
                "kernelOverheadEagerSeconds": .double(k.kernelOverheadEagerSeconds),
                "linearKernelLatencySeconds": .double(k.linearKernelLatencySeconds),
                "tensorCoreEfficiency": .double(k.tensorCoreEfficiency), "halfEfficiencyTokenRows": .double(k.halfEfficiencyTokenRows),
                "gemvMaximumTokenRows": .int(Int64(k.gemvMaximumTokenRows)), "tileRows": .int(Int64(k.tileRows)),
                "tileColumns": .int(Int64(k.tileColumns)), "energyPerByteAboveIdleJoules": .double(k.energyPerByteAboveIdleJoules),
                "energyPerFLOPAboveIdleJoules": .double(k.energyPerFLOPAboveIdleJoules),
            ]),
        ])
    }
}
