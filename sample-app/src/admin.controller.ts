import { Controller, Get } from '@nestjs/common';
import { Groups } from 'nestjs-cognito-auth';

@Controller('admin')
export class AdminController {
  @Groups('admin')
  @Get()
  admin() {
    return { ok: true };
  }
}
