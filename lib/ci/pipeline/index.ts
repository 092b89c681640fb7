export { SecretRef } from './secret-ref';
export { ImageBuilder, ImageTag } from './image-builder';
export { Step } from './step';
export type { BuildImageStepProps, DeployIdentity, DeployStepProps, RunStepProps } from './step';
export { Pipeline } from './pipeline';
export type { PipelineProps } from './pipeline';
export { RepositoryPipelines } from './repository-pipelines';
export type { PipelineFile, RepositoryPipelinesProps } from './repository-pipelines';
