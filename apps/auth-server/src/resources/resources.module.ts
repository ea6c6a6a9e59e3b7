import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ResourceCatalog } from './resource-catalog';
import { ResourceEntity } from './resource.entity';
import { ResourcesService } from './resources.service';

/** The registered APIs (audiences) and their scopes: registration, and the cached catalog the token path reads. */
@Module({
  imports: [TypeOrmModule.forFeature([ResourceEntity])],
  providers: [ResourcesService, ResourceCatalog],
  exports: [ResourcesService, ResourceCatalog],
})
export class ResourcesModule {}
