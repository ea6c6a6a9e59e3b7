import { TextField, TextListField } from '../dto/dto-fields';

/** `resources create`, POST /admin/resources: the resource's fields, declared once (see clients/client.dtos.ts). */
export class CreateResourceDto {
  @TextField({ required: true, description: 'the audience / RFC 8707 resource indicator: an absolute URI without fragment', example: 'api://billing-service' })
  uri!: string;

  @TextField({ description: 'display name (default: the URI)' })
  name?: string;

  @TextListField({ required: true, description: 'the scopes this API defines', example: ['invoices:read'], cli: { list: 'split' } })
  scopes!: string[];
}

/** `resources update`, PATCH /admin/resources/:uri. */
export class UpdateResourceDto {
  @TextField({ description: 'display name' })
  name?: string;

  @TextListField({ description: 'the scopes this API defines (replace the current ones)', cli: { list: 'split' } })
  scopes?: string[];
}
