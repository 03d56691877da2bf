import { ApiValidationPipe } from './api-validation.pipe';

describe('ApiValidationPipe', () => {
  it('passes through a custom parameter whose emitted metatype is Function (type-only import under tsc)', async () => {
    const pipe = new ApiValidationPipe();
    const project = { id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', name: 'p', ownerId: 'x' };
    await expect(pipe.transform(project, { type: 'custom', metatype: Function, data: undefined })).resolves.toBe(
      project,
    );
  });
});
