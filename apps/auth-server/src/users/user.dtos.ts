import { TextField } from '../dto/dto-fields';

const PASSWORD = 'omit it to have one generated and shown once (8-1024 characters)';

/** `users create`, POST /admin/users: the user's fields, declared once (see clients/client.dtos.ts). */
export class CreateUserDto {
  @TextField({ required: true, description: 'the login name (1-128 printable characters, no spaces)', example: 'carol' })
  username!: string;

  @TextField({ description: 'display name (default: the username)', cli: { flag: 'name', value: 'display-name' } })
  display_name?: string;

  @TextField({ description: PASSWORD, cli: { stdin: true, help: 'read the password from stdin (8-1024 characters; one trailing newline is dropped)' } })
  password?: string;
}

/** `users passwd`, POST /admin/users/:username/password. */
export class SetPasswordDto {
  @TextField({ description: PASSWORD, cli: { stdin: true, help: 'read the password from stdin (8-1024 characters; one trailing newline is dropped)' } })
  password?: string;
}
