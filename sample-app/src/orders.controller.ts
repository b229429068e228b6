import { Controller, Get } from '@nestjs/common';
import { Scopes } from 'nestjs-cognito-auth';

@Controller('orders')
export class OrdersController {
  @Scopes('orders/read')
  @Get()
  orders() {
    return { ok: true };
  }
}
