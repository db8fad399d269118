/**
 * Seed report 004 (Jakub Czerny, "Fashion MNIST"): VGG-like v1-v4, the 904,074-parameter v5
 * (94.22 % mean of 5 runs, 94.86 % by voting), and ResNet-like v6 (bottleneck) and v7 (ResNet18-like).
 * Training: 100 epochs keeping the weights with the best validation loss, augmentation by 3 px
 * width/height shifts and horizontal flips.
 */
import type { ModelSpec, TrainingSettings } from '../types.ts';
import { act, bn, conv, dense, dropout, flatten, globalAvgPool, LEAKY, maxPool, output, residual } from './parts.ts';

const TRAINING: TrainingSettings = {
  epochs: 100,
  notes: 'Trained 100 epochs keeping the checkpoint with the best validation loss (early stopping after 5 epochs ' +
    'did worse); augmentation: width and height shifts of 3 px and horizontal flips. Optimizer, learning rate, ' +
    'batch size and validation split are not stated (the log shows 97 steps per epoch).',
};

const VGG_SOURCE = "Seed 004, 'Built models', VGG-like (v1-v4): 'All 4 models have pretty much the same backbone - " +
  "the deeper into the network the more filter[s] ... i.e. 64 - 64 - 128 - 128 - 256 - 256'; 'Key difference: number " +
  "of dense layers (2 or 3), dropouts, batch normalization, ReLU / LeakyReLU'; ~93.5 %. The report does not say " +
  'which version has what, and its table (garbled) gives v1 260k parameters, which conflicts with that backbone ' +
  '(its six 3x3 convs alone have 1,144,256), so the backbone is followed. Choices: 3x3 same convs in pairs with a 2x2 ' +
  'max pool after each pair (28 -> 14 -> 7 -> 3);';

/** The shared v1-v4 backbone: three pairs of 3x3 convs, a pool after each pair. */
function vggBackbone(o: { batchNorm: boolean; dropout: number; leaky: boolean }) {
  const activation = o.leaky ? LEAKY : 'relu';
  return [64, 128, 256].flatMap((filters) => [
    conv(filters, { activation }), ...(o.batchNorm ? [bn()] : []),
    conv(filters, { activation }), ...(o.batchNorm ? [bn()] : []),
    maxPool(),
    ...(o.dropout > 0 ? [dropout(o.dropout)] : []),
  ]);
}

export const seed004V1: ModelSpec = {
  name: 'seed004-v1',
  description: 'Seed 004 VGG-like v1: 64-64-128-128-256-256 convs, 2 dense layers, relu, no BN or dropout',
  source: `${VGG_SOURCE} v1 is the plain version: relu, no BN, no dropout, dense 256 then the output (2 dense layers).`,
  input: 'image',
  layers: [...vggBackbone({ batchNorm: false, dropout: 0, leaky: false }), flatten(), dense(256), output()],
  training: { ...TRAINING, epochs: 30, notes: `The table shows v1 runs of 30 epochs. ${TRAINING.notes}` },
};

export const seed004V2: ModelSpec = {
  name: 'seed004-v2',
  description: 'Seed 004 VGG-like v2: v1 with dropout',
  source: `${VGG_SOURCE} v2 adds dropout: 0.25 after each pool, 0.5 after dense 256.`,
  input: 'image',
  layers: [...vggBackbone({ batchNorm: false, dropout: 0.25, leaky: false }), flatten(), dense(256), dropout(0.5), output()],
  training: TRAINING,
};

export const seed004V3: ModelSpec = {
  name: 'seed004-v3',
  description: 'Seed 004 VGG-like v3: v2 with batch-norm and 3 dense layers',
  source: `${VGG_SOURCE} v3 adds BN after every conv and a third dense layer: dense 256, dropout 0.5, dense 128, dropout 0.5.`,
  input: 'image',
  layers: [
    ...vggBackbone({ batchNorm: true, dropout: 0.25, leaky: false }),
    flatten(), dense(256), dropout(0.5), dense(128), dropout(0.5),
    output(),
  ],
  training: TRAINING,
};

export const seed004V4: ModelSpec = {
  name: 'seed004-v4',
  description: 'Seed 004 VGG-like v4: v3 with LeakyReLU',
  source: `${VGG_SOURCE} v4 is v3 with LeakyReLU (Keras's default slope 0.3) in place of relu.`,
  input: 'image',
  layers: [
    ...vggBackbone({ batchNorm: true, dropout: 0.25, leaky: true }),
    flatten(), dense(256, LEAKY), dropout(0.5), dense(128, LEAKY), dropout(0.5),
    output(),
  ],
  training: TRAINING,
};

const L2 = { l2: 1e-5 };

export const seed004V5: ModelSpec = {
  name: 'seed004-v5',
  description: 'Seed 004 v5: 3 conv modules (64-128) with BN and dropout, dense 512-512 with L2 (904,074 parameters)',
  source: "Seed 004, 'Own model (v5)': the Keras summary (total 904,074, trainable 902,154, non-trainable 1,920; " +
    "'905k' in the text) and the module description 'Conv3x3 (64) - BatchNorm - Conv3x3(128) - MaxPool2x2 - " +
    "Dropout(0.2) - BatchNorm', three modules, then 'Dense (512) - Dropout(0.5) - Dense (512) - Dropout(0.5) - " +
    "Dense (10)' with L2 1e-5 on all dense kernels. From the summary's shapes: the last module's 128-filter conv uses " +
    'valid padding (7x7 -> 5x5, then pool to 2x2) and its BN comes after flatten (512 features). Activations are not ' +
    'stated; relu assumed for convs and dense layers.',
  input: 'image',
  layers: [
    conv(64), bn(), conv(128), maxPool(), dropout(0.2), bn(),
    conv(64), bn(), conv(128), maxPool(), dropout(0.2), bn(),
    conv(64), bn(), conv(128, { padding: 'valid' }), maxPool(), dropout(0.2),
    flatten(), bn(),
    dense(512, 'relu', L2), dropout(0.5),
    dense(512, 'relu', L2), dropout(0.5),
    output(10, L2),
  ],
  training: TRAINING,
};

const RESNET_SOURCE = "Seed 004, 'Other models I tried': no layer lists, no counts; the author saw no improvement over " +
  "v5 ('my nets were rather shallow architectures'). Choices: a 3x3 conv stem of 32 filters without bias, BN, relu " +
  '(ResNet\'s 7x7/2 stem and max pool would shrink 28x28 too fast), then residual stages, global average pooling and ' +
  'the softmax output;';

export const seed004V6: ModelSpec = {
  name: 'seed004-v6',
  description: 'Seed 004 v6: bottleneck ResNet (like ResNet50, shallower): 3 stages of 2 bottleneck blocks',
  source: `${RESNET_SOURCE} v6 'bottleneck ResNet (like ResNet50)': 1x1 conv to fewer filters, 3x3 conv, 1x1 conv ` +
    'back up, residual add. Here 3 stages of 2 bottleneck blocks with 16, 32, 64 filters (expansion 4: 64, 128, 256 ' +
    'outputs), the 2nd and 3rd stage striding 2 (28 -> 14 -> 7).',
  input: 'image',
  layers: [
    conv(32, { activation: 'linear', useBias: false }), bn(), act('relu'),
    residual('bottleneck', 16), residual('bottleneck', 16),
    residual('bottleneck', 32, 2), residual('bottleneck', 32),
    residual('bottleneck', 64, 2), residual('bottleneck', 64),
    globalAvgPool(),
    output(),
  ],
  training: TRAINING,
};

export const seed004V7: ModelSpec = {
  name: 'seed004-v7',
  description: 'Seed 004 v7: ResNet18-like, 4 stages of 2 basic blocks (32-64-128-256 filters)',
  source: `${RESNET_SOURCE} v7 'simple ResNet (like ResNet18)', 'reminds VGG architecture but with residual ` +
    "connections'. Here ResNet18's layout (4 stages of 2 basic blocks, 18 weight layers) at half its width: 32, 64, " +
    '128, 256 filters, stages 2-4 striding 2 (28 -> 14 -> 7 -> 4).',
  input: 'image',
  layers: [
    conv(32, { activation: 'linear', useBias: false }), bn(), act('relu'),
    residual('basic', 32), residual('basic', 32),
    residual('basic', 64, 2), residual('basic', 64),
    residual('basic', 128, 2), residual('basic', 128),
    residual('basic', 256, 2), residual('basic', 256),
    globalAvgPool(),
    output(),
  ],
  training: TRAINING,
};

export const seed004Models: ModelSpec[] = [seed004V1, seed004V2, seed004V3, seed004V4, seed004V5, seed004V6, seed004V7];
